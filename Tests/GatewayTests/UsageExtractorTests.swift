import NIOCore
import Testing

@testable import Gateway

@Suite struct UsageExtractorTests {
    static let answer = #"""
        {"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"the word \"usage\" in text"},"finish_reason":"stop"}],
        "usage": {"prompt_tokens": 1234,"completion_tokens":56,"total_tokens":1290,"prompt_tokens_details":{"cached_tokens":1024}}}
        """#

    @Test func aWholeAnswerGivesItsUsageFromTheBufferInPlace() {
        let usage = UsageExtractor.extract(ByteBuffer(string: Self.answer).readableBytesView)
        #expect(usage == Usage(promptTokens: 1234, completionTokens: 56, cachedTokens: 1024))
    }

    @Test func bytesWithoutContiguousStorageGiveTheSameFigures() {
        // A lazy view has no contiguous storage: the extractor copies it once and reads the same figures.
        let lazy = Array(Self.answer.utf8).lazy.map { $0 }
        #expect(UsageExtractor.extract(lazy) == Usage(promptTokens: 1234, completionTokens: 56, cachedTokens: 1024))
    }

    @Test func theLastUsageObjectOfAStreamTailWins() {
        let tail = #"""
            data: {"choices":[{"delta":{"content":"usage"}}],"usage":null}

            data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16}}

            data: [DONE]
            """#
        #expect(UsageExtractor.extract(Array(tail.utf8)) == Usage(promptTokens: 9, completionTokens: 7))
    }

    @Test func noFiguresNoUsage() {
        #expect(UsageExtractor.extract(Array(#"{"usage":null}"#.utf8)) == nil)
        #expect(UsageExtractor.extract(Array(#"{"id":"x"}"#.utf8)) == nil)
        #expect(UsageExtractor.extract([UInt8]()) == nil)
        #expect(UsageExtractor.extract(Array(#""usag"#.utf8)) == nil)
    }

    @Test func figuresBeyondTheWindowAreNotRead() {
        let padding = String(repeating: " ", count: UsageExtractor.window)
        let body = #"{"usage":{"prompt_tokens":3,"#.appending(padding) + #""completion_tokens":4}}"#
        #expect(UsageExtractor.extract(Array(body.utf8)) == Usage(promptTokens: 3, completionTokens: nil))
    }
}
