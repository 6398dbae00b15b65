import Foundation
import NIOCore
import Testing
@testable import Gateway

/// Helpers for the Anthropic translation goldens: JSON compared structurally (decoded to
/// ``JSONValue``, so key order and spacing do not matter), SSE output split into events.
enum AnthropicGolden {
    static func json(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    static func json(_ value: some Encodable) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: WireJSON.data(value))
    }

    struct Event: Equatable, CustomStringConvertible {
        var name: String
        var data: JSONValue?
        var raw: String

        var description: String { "\(name): \(raw)" }
    }

    /// The events of SSE output, each with its `event:` name ("message" when none) and its data as JSON
    /// (nil for `[DONE]`).
    static func events(_ buffer: ByteBuffer) -> [Event] {
        var parser = SSEParser()
        return parser.feed(buffer.readableBytesView).map {
            Event(name: $0.type, data: try? json($0.data), raw: $0.data)
        }
    }

    static func events(_ buffers: [ByteBuffer]) -> [Event] {
        var all = ByteBuffer()
        for var buffer in buffers { all.writeBuffer(&buffer) }
        return events(all)
    }

    static func sse(_ data: [String]) -> String {
        data.map { "data: \($0)\n\n" }.joined()
    }

    /// An object's member, for short expectations.
    static func member(_ value: JSONValue?, _ path: String...) -> JSONValue? {
        var current = value
        for key in path {
            if let index = Int(key), case .array(let items)? = current {
                current = index < items.count ? items[index] : nil
            } else {
                current = current?.objectValue?[key]
            }
        }
        return current
    }
}
