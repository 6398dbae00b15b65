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
        var pairs: [(name: String, value: String)] = []
        var field: [UInt8] = []
        var name: [UInt8]?
        var iterator = body.makeIterator()

        func string(_ bytes: [UInt8]) throws(DecodingError) -> String {
            guard let value = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
            return value
        }
        func finishPair() throws(DecodingError) {
            if let pairName = name {
                pairs.append((try string(pairName), try string(field)))
            } else if !field.isEmpty {
                pairs.append((try string(field), ""))
            }
            name = nil
            field = []
        }

        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "&"):
                try finishPair()
            case UInt8(ascii: "=") where name == nil:
                name = field
                field = []
            case UInt8(ascii: "+"):
                field.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw .invalidPercentEncoding
                }
                field.append(high << 4 | low)
            default:
                field.append(byte)
            }
        }
        try finishPair()
        return pairs
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
