import Testing

@testable import Gateway

/// Anthropic's usage in the gateway's convention: the prompt is input + cache reads + cache
/// writes, of which the reads are cached.
@Suite struct AnthropicUsageExtractorTests {
    @Test func aWholeMessageCountsCacheReadsAndWritesAsPrompt() {
        let body = #"{"id":"msg_1","type":"message","content":[{"type":"text","text":"the usage is here"}],"#
            + #""usage":{"input_tokens":12,"cache_creation_input_tokens":30,"cache_read_input_tokens":100,"output_tokens":7}}"#
        let usage = AnthropicUsageExtractor.extract(Array(body.utf8))
        #expect(usage == Usage(promptTokens: 12 + 30 + 100, completionTokens: 7, cachedTokens: 100))
    }

    @Test func aStreamTakesInputFromMessageStartAndOutputFromTheLastMessageDelta() {
        let head = #"event: message_start\#ndata: {"type":"message_start","message":{"usage":{"input_tokens":25,"cache_read_input_tokens":5,"output_tokens":1}}}\#n\#n"#
        let tail = #"event: message_delta\#ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":40}}\#n\#nevent: message_stop\#ndata: {"type":"message_stop"}\#n\#n"#
        let usage = AnthropicUsageExtractor.extract(head: Array(head.utf8), tail: Array(tail.utf8))
        #expect(usage == Usage(promptTokens: 30, completionTokens: 40, cachedTokens: 5))
    }

    /// Newer API versions repeat the input figures in message_delta: the cumulative totals win.
    @Test func inputFiguresInMessageDeltaWin() {
        let head = #"data: {"type":"message_start","message":{"usage":{"input_tokens":0,"output_tokens":0}}}\#n\#n"#
        let tail = #"data: {"type":"message_delta","usage":{"input_tokens":9,"cache_read_input_tokens":2,"output_tokens":3}}\#n\#n"#
        #expect(
            AnthropicUsageExtractor.extract(head: Array(head.utf8), tail: Array(tail.utf8))
                == Usage(promptTokens: 11, completionTokens: 3, cachedTokens: 2))
    }

    @Test func aStreamCutAfterMessageStartStillHasItsInput() {
        let head = #"data: {"type":"message_start","message":{"usage":{"input_tokens":25,"output_tokens":1}}}\#n\#n"#
        #expect(
            AnthropicUsageExtractor.extract(head: Array(head.utf8), tail: Array(head.utf8))
                == Usage(promptTokens: 25, completionTokens: 1, cachedTokens: nil))
        #expect(AnthropicUsageExtractor.extract(head: [], tail: []) == nil)
    }

    @Test func theHeadKeepsOnlyItsCapacity() {
        var head = StreamHead(keeping: 8)
        head.append(Array("0123456".utf8))
        head.append(Array("789".utf8))
        #expect(head.bytes == Array("01234567".utf8))
        var none = StreamHead(keeping: 0)
        none.append(Array("abc".utf8))
        #expect(none.bytes.isEmpty)
    }

    @Test func theCountTokensBoundCountsEveryByteAndAFlatFigurePerImage() throws {
        let request = try WireJSON.decode(
            JSONValue.self,
            from: #"{"model":"m","system":"be brief","messages":[{"role":"user","content":[{"type":"text","text":"héllo"},"#
                + #"{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]}]}"#)
        // 8 + "be brief" (8) + 4 per message + the text block's keys and values ("type" "text" "text" "héllo": 4+4+4+6) + 1,600.
        #expect(PromptTokenBound.inputTokens(request) == 8 + 8 + 4 + (4 + 4 + 4 + 6) + 1_600)
    }
}
