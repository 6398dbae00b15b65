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
        for byte in bytes {
            if byte == UInt8(ascii: "\n"), lastWasCR {
                lastWasCR = false
                continue
            }
            lastWasCR = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if let event = endLine() { events.append(event) }
            } else {
                line.append(byte)
            }
        }
        return events
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
}
