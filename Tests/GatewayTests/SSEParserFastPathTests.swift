import NIOCore
import Testing

@testable import Gateway

/// SSEParser reads contiguous bytes a run at a time and a line's field from its bytes; what it
/// gives back is what the byte-at-a-time, String-per-line parser gave.
@Suite struct SSEParserFastPathTests {
    static let stream =
        "event: ping\r\ndata: {\"a\":1}\r\n\r\n: heartbeat\n\ndata:x\ndata:  two spaces\nid: 7\n\n"
        + "data: é😀 non-ASCII\n\ndata:\u{301}combining after the colon\n\nevent:\u{301}odd\ndata:y\n\nretry: 5\ndata\n\n"

    static let expected = [
        SSEParser.Event(type: "ping", id: nil, data: "{\"a\":1}"),
        SSEParser.Event(type: "message", id: "7", data: "x\n two spaces"),
        SSEParser.Event(type: "message", id: nil, data: "é😀 non-ASCII"),
        // "data:\u{301}" is one field name (the colon takes the mark), not `data`.
        SSEParser.Event(type: "message", id: nil, data: "y"),
        SSEParser.Event(type: "message", id: nil, data: ""),
    ]

    @Test func contiguousAndByteByByteFeedsAgree() {
        let bytes = Array(Self.stream.utf8)
        var contiguous = SSEParser()
        #expect(contiguous.feed(ByteBuffer(bytes: bytes).readableBytesView) == Self.expected)
        var oneByOne = SSEParser()
        #expect(oneByOne.feed(bytes.lazy.map { $0 }) == Self.expected)
        for split in 1..<bytes.count {
            var parser = SSEParser()
            let events = parser.feed(bytes[..<split]) + parser.feed(bytes[split...])
            #expect(events == Self.expected, "split at \(split)")
        }
    }
}
