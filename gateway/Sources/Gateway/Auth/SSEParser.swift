/// An incremental server-sent events parser (the WHATWG event-stream format): feed it bytes as they
/// arrive, get whole events back. Comments (heartbeats) and unknown fields are ignored.
struct SSEParser {
    struct Event: Equatable {
        var type: String = "message"
        var id: String?
        var data: String = ""
    }

    private var line: [UInt8] = []
    private var current = Event()
    private var hasData = false
    private var lastWasCR = false

    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        let contiguous: Void? = bytes.withContiguousStorageIfAvailable { buffer in feed(buffer, into: &events) }
        if contiguous != nil { return events }
        for byte in bytes { feed(byte, into: &events) }
        return events
    }

    /// Contiguous bytes: the runs between line ends appended whole.
    private mutating func feed(_ buffer: UnsafeBufferPointer<UInt8>, into events: inout [Event]) {
        var runStart = 0
        for index in buffer.indices {
            let byte = buffer[index]
            guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") else { continue }
            if runStart < index {
                line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<index]))
                lastWasCR = false
            }
            runStart = index + 1
            feed(byte, into: &events)
        }
        if runStart < buffer.count {
            line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart...]))
            lastWasCR = false
        }
    }

    private mutating func feed(_ byte: UInt8, into events: inout [Event]) {
        if byte == UInt8(ascii: "\n"), lastWasCR {
            lastWasCR = false
            return
        }
        lastWasCR = byte == UInt8(ascii: "\r")
        if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
            if let event = endLine() { events.append(event) }
        } else {
            line.append(byte)
        }
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            defer {
                current = Event()
                hasData = false
            }
            return hasData || current.type != "message" ? current : nil
        }
        if line[0] == UInt8(ascii: ":") { return nil }
        if fieldOnBytes() { return nil }
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = Substring(text)
            value = ""
        }
        switch field {
        case "event": current.type = String(value)
        case "id": current.id = String(value)
        case "data":
            current.data += hasData ? "\n" + value : String(value)
            hasData = true
        default: break
        }
        return nil
    }

    /// The line's field applied from its bytes, without a String of the whole line; false (nothing
    /// done) when a non-ASCII byte near the colon could make Character matching differ (a
    /// combining mark after `:` or the space), left to the String path.
    private mutating func fieldOnBytes() -> Bool {
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        var valueStart = min(colon + 1, line.count)
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        for index in 0...min(valueStart, line.count - 1) where line[index] >= 0x80 { return false }
        let field = line[..<colon]
        if field.elementsEqual("data".utf8) {
            let value = String(decoding: line[valueStart...], as: UTF8.self)
            current.data += hasData ? "\n" + value : value
            hasData = true
        } else if field.elementsEqual("event".utf8) {
            current.type = String(decoding: line[valueStart...], as: UTF8.self)
        } else if field.elementsEqual("id".utf8) {
            current.id = String(decoding: line[valueStart...], as: UTF8.self)
        }
        return true
    }
}
