/// Reading an HTTP `Authorization` header, `<scheme> <credentials>` (RFC 9110 section 11.6.2): the
/// scheme is matched without regard to case, without allocating (both services do this per request).
public enum AuthorizationHeader {
    /// What follows `scheme` (lowercase ASCII, such as "bearer") and the spaces after it; nil when the
    /// header names another scheme or has nothing after the scheme's space.
    public static func credentials(_ header: String, scheme: StaticString) -> Substring? {
        let utf8 = header.utf8
        let length = scheme.utf8CodeUnitCount
        guard utf8.count > length + 1 else { return nil }
        let sameScheme = scheme.withUTF8Buffer { expected in
            zip(expected, utf8).allSatisfy { expected, byte in
                // ASCII letters differ from their capitals in bit 0x20 only.
                byte == expected || (UInt8(ascii: "a")...UInt8(ascii: "z") ~= expected && byte | 0x20 == expected)
            }
        }
        let space = utf8.index(utf8.startIndex, offsetBy: length)
        guard sameScheme, utf8[space] == UInt8(ascii: " ") else { return nil }
        return header[utf8.index(after: space)...].drop(while: { $0 == " " })
    }
}
