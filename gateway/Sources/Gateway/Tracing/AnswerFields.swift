/// String values of a JSON key in an answer's bytes, found without decoding it (the answer may be
/// a fragment: a stream's last bytes). A key inside a string value cannot match: its quotes are
/// escaped there. For the provider call's span only (``ProviderCallSpan``).
enum AnswerFields {
    /// Every `"name": "value"` in `bytes`, in order (null and non-string values skipped).
    static func strings(named name: String, in bytes: [UInt8]) -> [String] {
        let key = Array("\"\(name)\"".utf8)
        var found: [String] = []
        var index = 0
        while index + key.count <= bytes.count {
            guard bytes[index] == key[0], bytes[index..<index + key.count].elementsEqual(key) else {
                index += 1
                continue
            }
            var cursor = index + key.count
            index = cursor
            while cursor < bytes.count, bytes[cursor] == 0x20 || bytes[cursor] == 0x0A || bytes[cursor] == 0x0D || bytes[cursor] == 0x09 {
                cursor += 1
            }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":") else { continue }
            cursor += 1
            while cursor < bytes.count, bytes[cursor] == 0x20 { cursor += 1 }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") else { continue }
            let start = cursor + 1
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), end - start < 256 { end += 1 }
            guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { continue }
            found.append(String(decoding: bytes[start..<end], as: UTF8.self))
            index = end
        }
        return found
    }
}
