import HTTPTypes
import NIOCore
import Synchronization

/// The Anthropic mock's request count, request ids and the last request's Anthropic headers.
final class MockAnthropicState: Sendable {
    private struct Seen {
        var requests = 0
        var ids = 0
        var lastHeaders: [String: String] = [:]
        var lastBody: [UInt8] = []
    }
    private let seen = Mutex(Seen())

    /// Notes a messages or count_tokens request; returns its request id.
    func received(_ headers: HTTPFields) -> String {
        var last: [String: String] = [:]
        for name in ["x-api-key", "authorization", "anthropic-version", "anthropic-beta"] {
            let values = headers[values: HTTPField.Name(name)!]
            if !values.isEmpty { last[name] = values.joined(separator: ",") }
        }
        let id = seen.withLock { seen in
            seen.requests += 1
            seen.ids += 1
            seen.lastHeaders = last
            return seen.ids
        }
        return Self.requestID(id)
    }

    func nextRequestID() -> String {
        Self.requestID(
            seen.withLock {
                $0.ids += 1; return $0.ids
            })
    }

    static func requestID(_ number: Int) -> String {
        let hex = String(number, radix: 16)
        return "req_mock" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }

    var requests: Int { seen.withLock { $0.requests } }
    var lastHeaders: [String: String] { seen.withLock { $0.lastHeaders } }
    /// The last request's body, byte for byte (tests check a pass-through left it untouched).
    var lastBody: [UInt8] { seen.withLock { $0.lastBody } }

    func received(body: ByteBuffer) {
        let bytes = Array(body.readableBytesView)
        seen.withLock { $0.lastBody = bytes }
    }
}
