import NIOCore

extension ByteBuffer {
    /// A JSON string: `"` and `\` escaped, control characters as `JSONEncoder` writes them,
    /// everything else (UTF-8 included, slashes too) as is. For the hand-written JSON of hot paths
    /// (the runtime's introspection answer, the gateway's usage reports).
    public mutating func writeJSONString(_ value: String) {
        writeInteger(UInt8(ascii: "\""))
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            writeString(value)
        } else {
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""): writeStaticString("\\\"")
                case UInt8(ascii: "\\"): writeStaticString("\\\\")
                case 0x0A: writeStaticString("\\n")
                case 0x0D: writeStaticString("\\r")
                case 0x09: writeStaticString("\\t")
                case 0x08: writeStaticString("\\b")
                case 0x0C: writeStaticString("\\f")
                case 0..<0x20:
                    writeStaticString("\\u00")
                    writeInteger(Self.hexDigit(byte >> 4))
                    writeInteger(Self.hexDigit(byte & 0xF))
                default: writeInteger(byte)
                }
            }
        }
        writeInteger(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
