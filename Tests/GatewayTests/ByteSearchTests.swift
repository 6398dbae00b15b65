import Testing

@testable import Gateway

@Suite struct ByteSearchTests {
    static func first(_ needle: String, _ haystack: String) -> Int? {
        Array(haystack.utf8).withUnsafeBufferPointer { ByteSearch.firstIndex(of: Array(needle.utf8), in: $0) }
    }

    static func last(_ needle: String, _ haystack: String) -> Int? {
        Array(haystack.utf8).withUnsafeBufferPointer { ByteSearch.lastIndex(of: Array(needle.utf8), in: $0) }
    }

    @Test(arguments: [
        ("usage", #"{"usage":1}"#, 2, 2), ("ab", "ab", 0, 0), ("ab", "xxab", 2, 2), ("aab", "aaab", 1, 1),
        ("ab", "abxab", 0, 3), ("\n\n", "a\n\n\nb", 1, 2),
    ] as [(String, String, Int, Int)])
    func findsTheFirstAndTheLastPlace(_ needle: String, _ haystack: String, _ first: Int, _ last: Int) {
        #expect(Self.first(needle, haystack) == first)
        #expect(Self.last(needle, haystack) == last)
    }

    @Test(arguments: [("ab", "a"), ("ab", ""), ("ab", "ba"), ("abc", "ababab"), ("b", "aaaa")] as [(String, String)])
    func findsNothingWhereItIsNot(_ needle: String, _ haystack: String) {
        #expect(Self.first(needle, haystack) == nil)
        #expect(Self.last(needle, haystack) == nil)
    }

    @Test(arguments: [("aa", "aaaa", 2), ("aa", "aaa", 1), ("ab", "abxabxab", 3), ("ab", "ba", 0), ("ab", "", 0)] as [(String, String, Int)])
    func countsOccurrencesThatDoNotOverlap(_ needle: String, _ haystack: String, _ count: Int) {
        #expect(Array(haystack.utf8).withUnsafeBufferPointer { ByteSearch.occurrences(of: Array(needle.utf8), in: $0) } == count)
    }

    @Test func aSliceAnswersInItsOwnIndices() {
        let bytes = Array("xxabxxab".utf8)
        #expect(ByteSearch.firstIndex(of: Array("ab".utf8), in: bytes[3...]) == 6)
        #expect(ByteSearch.firstIndex(of: Array("ab".utf8), in: bytes[2..<4]) == 2)
        #expect(ByteSearch.firstIndex(of: Array("ab".utf8), in: bytes[3..<7]) == nil)
    }
}
