/// The shape of a Lijiaoqiao token: `ljq_` + 43 random base62 characters (256 bits from the
/// system CSPRNG) + a 6-character base62 CRC32 checksum of everything before it.
///
/// The checksum only filters typos and scanners cheaply: anyone can build a well-formed token,
/// so a token that passes ``isWellFormed(_:)`` still has to be introspected.
public enum TokenFormat {
    public static let prefix = "ljq_"
    public static let randomLength = 43
    public static let checksumLength = 6
    public static let length = prefix.utf8.count + randomLength + checksumLength

    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A new token. 43 base62 characters carry 43 * log2(62) = 256.03 bits.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// A new token drawn from `generator` (tests pass a seeded one; production the system CSPRNG).
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        var bytes = Array(prefix.utf8)
        bytes.reserveCapacity(length)
        while bytes.count < prefix.utf8.count + randomLength {
            // Rejection sampling keeps every character uniform: 248 = 4 * 62.
            let byte = UInt8.random(in: 0...255, using: &generator)
            if byte < 248 { bytes.append(alphabet[Int(byte % 62)]) }
        }
        bytes.append(contentsOf: checksum(bytes))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// True when `token` has the prefix, the length, only base62 characters and a matching
    /// checksum. A CRC32 over 47 bytes: no allocation, no network (about 0.3 µs).
    public static func isWellFormed(_ token: String) -> Bool {
        guard token.utf8.count == length else { return false }
        var token = token
        return token.withUTF8 { bytes in
            crcTable.withUnsafeBufferPointer { table in
                for index in 0..<prefixBytes.count where bytes[index] != prefixBytes[index] { return false }
                var crc: UInt32 = 0xFFFF_FFFF
                for index in 0..<length {
                    let byte = bytes[index]
                    if index >= prefixBytes.count, !isBase62(byte) { return false }
                    if index < length - checksumLength {
                        crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
                    }
                }
                // The checksum's digits, least significant last (see encodeChecksum).
                var rest = crc ^ 0xFFFF_FFFF
                for position in stride(from: length - 1, through: length - checksumLength, by: -1) {
                    guard bytes[position] == alphabet[Int(rest % 62)] else { return false }
                    rest /= 62
                }
                return true
            }
        }
    }

    public static func isWellFormed(_ token: Substring) -> Bool {
        isWellFormed(String(token))
    }

    static let prefixBytes: [UInt8] = Array(prefix.utf8)
    static let crcTable: [UInt32] = CRC32.table

    static func isBase62(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "a")...UInt8(ascii: "z"):
            return true
        default:
            return false
        }
    }

    static func checksum(_ bytes: [UInt8]) -> [UInt8] {
        var crc = CRC32()
        for byte in bytes { crc.update(byte) }
        return encodeChecksum(crc.value)
    }

    /// Base62, most significant digit first, left-padded with "0" to 6 characters
    /// (62^6 > 2^32, so every CRC32 fits).
    static func encodeChecksum(_ value: UInt32) -> [UInt8] {
        var digits = [UInt8](repeating: alphabet[0], count: checksumLength)
        var rest = value
        var position = checksumLength - 1
        while rest > 0 {
            digits[position] = alphabet[Int(rest % 62)]
            rest /= 62
            position -= 1
        }
        return digits
    }
}

/// CRC-32 (IEEE 802.3, the one zlib and GitHub's token checksum use).
struct CRC32 {
    private(set) var state: UInt32 = 0xFFFF_FFFF

    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = (value & 1) == 1 ? (0xEDB8_8320 ^ (value >> 1)) : (value >> 1)
        }
        return value
    }

    mutating func update(_ byte: UInt8) {
        state = CRC32.table[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8)
    }

    var value: UInt32 { state ^ 0xFFFF_FFFF }
}
