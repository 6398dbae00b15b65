import Foundation
import NIOCore

/// Usage for streams the client did not ask it for. OpenAI sends a stream's usage only when the
/// request has `stream_options: {"include_usage": true}`, and then adds `"usage":null` to every
/// chunk and one last chunk with `"choices":[]` and the usage. So the gateway asks for it upstream
/// (``upstreamBody(_:probe:)``) and takes out what that added (``StreamUsageFilter``): the client's
/// stream is byte for byte what it would have been, and the request is still charged exactly.
enum StreamUsage {
    static let member = Array(#""stream_options":{"include_usage":true},"#.utf8)

    /// The body to send upstream: nil when it can go as it is (not a stream, or the client asked
    /// for usage itself); otherwise the body asking for usage. Without a `stream_options` member
    /// (the usual case) that member is inserted after the opening brace, a byte copy; a client's own
    /// `stream_options` without `include_usage` is rewritten through JSONSerialization.
    static func upstreamBody(_ body: ByteBuffer, probe: RequestProbe) -> ByteBuffer? {
        guard probe.stream, !probe.includeUsage else { return nil }
        let bytes = body.readableBytesView
        if !probe.hasStreamOptions, let brace = bytes.firstIndex(where: { !Self.isWhitespace($0) }), bytes[brace] == UInt8(ascii: "{") {
            var rewritten = ByteBuffer()
            rewritten.reserveCapacity(body.readableBytes + member.count)
            rewritten.writeBytes(bytes[..<(brace + 1)])
            // An empty object has no member to put a comma before (the probe saw a model, so never).
            rewritten.writeBytes(member)
            rewritten.writeBytes(bytes[(brace + 1)...])
            return rewritten
        }
        guard var object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        var options = object["stream_options"] as? [String: Any] ?? [:]
        options["include_usage"] = true
        object["stream_options"] = options
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes]) else { return nil }
        return ByteBuffer(bytes: data)
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}

/// Takes out of a relayed stream what asking for usage added: the `,"usage":null` member of each
/// chunk, and the final usage-only chunk (`"choices":[]`), whose bytes it keeps for the usage.
///
/// Works on whole server-sent events (up to the blank line, `\n\n`): bytes of an event not yet
/// complete wait for the rest, and an event that never completes is passed on as it is at the end.
/// A byte scan: nothing is decoded or re-encoded.
struct StreamUsageFilter {
    static let nullUsage = Array(#","usage":null"#.utf8)
    static let emptyChoices = Array(#""choices":[]"#.utf8)
    static let usageObject = Array(#""usage":{"#.utf8)
    /// The blank line that ends an event.
    static let eventEnd: [UInt8] = [0x0A, 0x0A]
    /// An event longer than this without its end is passed on rather than held.
    static let maxPending = 1 << 20

    private var pending: [UInt8] = []
    /// The usage chunk taken out of the stream, for ``UsageExtractor``.
    private(set) var usageEvent: [UInt8]?

    /// The bytes of `chunk` to relay now (possibly none).
    mutating func filter(_ chunk: ByteBuffer) -> ByteBuffer {
        pending.append(contentsOf: chunk.readableBytesView)
        var output = ByteBuffer()
        output.reserveCapacity(pending.count)
        var start = 0
        while let end = ByteSearch.firstIndex(of: Self.eventEnd, in: pending[start...]) {
            emit(pending[start..<(end + 2)], into: &output)
            start = end + 2
        }
        if start > 0 { pending.removeFirst(start) }
        if pending.count > Self.maxPending {
            output.writeBytes(pending)
            pending.removeAll()
        }
        return output
    }

    /// What is left when the stream ends: an unfinished event, as it came.
    mutating func finish() -> ByteBuffer? {
        guard !pending.isEmpty else { return nil }
        defer { pending.removeAll() }
        return ByteBuffer(bytes: pending)
    }

    private mutating func emit(_ event: ArraySlice<UInt8>, into output: inout ByteBuffer) {
        if ByteSearch.firstIndex(of: Self.emptyChoices, in: event) != nil, ByteSearch.firstIndex(of: Self.usageObject, in: event) != nil {
            usageEvent = Array(event)
            return
        }
        var rest = event
        while let at = ByteSearch.firstIndex(of: Self.nullUsage, in: rest) {
            output.writeBytes(rest[rest.startIndex..<at])
            rest = rest[(at + Self.nullUsage.count)...]
        }
        output.writeBytes(rest)
    }
}
