/// `application/x-www-form-urlencoded` escaping for the few values we send (RFC 7662 bodies).
public enum FormEncoding {
    /// Percent-encodes everything outside the unreserved set of RFC 3986.
    public static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%"
                out += String(byte >> 4, radix: 16, uppercase: true)
                out += String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

extension FormEncoding {
    public enum DecodingError: Error, Sendable, Equatable {
        case invalidPercentEncoding
        case invalidUTF8
    }

    /// Strictly decodes an `application/x-www-form-urlencoded` body into its name/value pairs, in
    /// order, duplicates kept (so callers can refuse them, as RFC 6749 section 3.1 asks).
    /// A `%` not followed by two hex digits, or bytes that are not UTF-8, are errors.
    public static func decode(_ body: some Collection<UInt8>) throws(DecodingError) -> [(name: String, value: String)] {
        try decode(Array(body))
    }

    /// The same over contiguous bytes: names and values without `%` or `+` become strings
    /// straight from the body (no generic iteration, no per-byte copy: ~5 µs -> ~1 µs for a token).
    public static func decode(_ body: [UInt8]) throws(DecodingError) -> [(name: String, value: String)] {
        try body.withUnsafeBufferPointer { bytes throws(DecodingError) in
            var pairs: [(name: String, value: String)] = []
            var start = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
                if end > start {
                    let equals = bytes[start..<end].firstIndex(of: UInt8(ascii: "="))
                    let name = try component(bytes[start..<(equals ?? end)])
                    let value = try equals.map { equals throws(DecodingError) in try component(bytes[(equals + 1)..<end]) } ?? ""
                    pairs.append((name, value))
                }
                start = end + 1
            }
            return pairs
        }
    }

    /// One name or value: `+` is a space, `%XX` a byte, and the result must be UTF-8.
    static func component(_ raw: Slice<UnsafeBufferPointer<UInt8>>) throws(DecodingError) -> String {
        if !raw.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            guard let value = String(validating: UnsafeBufferPointer(rebasing: raw), as: UTF8.self) else { throw .invalidUTF8 }
            return value
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            switch byte {
            case UInt8(ascii: "+"):
                decoded.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index + 2 < raw.endIndex, let high = hexValue(raw[index + 1]), let low = hexValue(raw[index + 2]) else {
                    throw .invalidPercentEncoding
                }
                decoded.append(high << 4 | low)
                index += 2
            default:
                decoded.append(byte)
            }
            index += 1
        }
        guard let value = String(validating: decoded, as: UTF8.self) else { throw .invalidUTF8 }
        return value
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
