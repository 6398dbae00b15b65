import Crypto

/// The SHA-256 digest of a token: the only form in which a token is stored, cached or sent
/// in events. Held as four words so hashing and comparing it is cheap.
public struct TokenDigest: Hashable, Sendable, CustomStringConvertible {
    public let w0: UInt64
    public let w1: UInt64
    public let w2: UInt64
    public let w3: UInt64

    public init(token: String) {
        var token = token
        self = token.withUTF8 { bytes in
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            return hasher.finalize().withUnsafeBytes { TokenDigest(bytes: $0)! }
        }
    }

    public init(token: Substring) {
        self.init(token: String(token))
    }

    /// From 32 raw bytes; nil for any other length.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 32 else { return nil }
        func word(_ offset: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in offset..<(offset + 8) { value = (value << 8) | UInt64(bytes[index]) }
            return value
        }
        w0 = word(0)
        w1 = word(8)
        w2 = word(16)
        w3 = word(24)
    }

    /// From 64 lowercase or uppercase hex characters; nil otherwise.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in 0..<32 {
            guard let high = Self.nibble(utf8[2 * index]), let low = Self.nibble(utf8[2 * index + 1]) else {
                return nil
            }
            bytes[index] = high << 4 | low
        }
        self = bytes.withUnsafeBytes { TokenDigest(bytes: $0)! }
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return out
    }

    /// Lowercase hex, 64 characters.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }

    static func nibble(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return char - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
