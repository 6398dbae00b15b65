import Hummingbird
import TokenProtocol

/// The introspection answer written straight into the response buffer: byte for byte what
/// ``JSONBody``'s `JSONEncoder` (sorted keys, slashes unescaped) writes for the same value, without
/// its intermediate tree (JSONEncoder took ~11 µs of the ~150 µs of CPU a request cost;
/// this ~2 µs; bench/RESULTS.md). Keys are in sorted order and nil fields are left out;
/// `IntrospectionJSONTests` checks it against `JSONEncoder` field by field and character by character.
public enum IntrospectionJSON {
    static func response(_ answer: IntrospectionResponse) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: encode(answer)))
    }

    /// The answer's JSON document.
    public static func encode(_ answer: IntrospectionResponse) -> ByteBuffer {
        var writer = Writer(buffer: ByteBuffer())
        writer.buffer.reserveCapacity(384)
        writer.buffer.writeStaticString(answer.active ? #"{"active":true"# : #"{"active":false"#)
        if let aud = answer.aud { writer.string(#","aud":"#, aud) }
        if let clientID = answer.clientID { writer.string(#","client_id":"#, clientID) }
        if let exp = answer.exp { writer.number(#","exp":"#, exp) }
        if let iat = answer.iat { writer.number(#","iat":"#, iat) }
        if let iss = answer.iss { writer.string(#","iss":"#, iss) }
        if let jti = answer.jti { writer.string(#","jti":"#, jti) }
        if let models = answer.models {
            writer.buffer.writeStaticString(#","models":["#)
            for (index, model) in models.enumerated() {
                if index > 0 { writer.buffer.writeInteger(UInt8(ascii: ",")) }
                writer.quoted(model)
            }
            writer.buffer.writeInteger(UInt8(ascii: "]"))
        }
        if let nbf = answer.nbf { writer.number(#","nbf":"#, nbf) }
        if let rpm = answer.rateLimitRPM { writer.number(#","rate_limit_rpm":"#, Int64(rpm)) }
        if let tpm = answer.rateLimitTPM { writer.number(#","rate_limit_tpm":"#, Int64(tpm)) }
        if let scope = answer.scope { writer.string(#","scope":"#, scope) }
        if let status = answer.status { writer.string(#","status":"#, status.rawValue) }
        if let sub = answer.sub { writer.string(#","sub":"#, sub) }
        if let tokenType = answer.tokenType { writer.string(#","token_type":"#, tokenType) }
        if let username = answer.username { writer.string(#","username":"#, username) }
        writer.buffer.writeInteger(UInt8(ascii: "}"))
        return writer.buffer
    }

    /// Each field is written as its key with the comma before it and the colon after it in one
    /// static string (`,"exp":`): `active` always comes first.
    struct Writer {
        var buffer: ByteBuffer

        mutating func string(_ key: StaticString, _ value: String) {
            buffer.writeStaticString(key)
            quoted(value)
        }

        mutating func number(_ key: StaticString, _ value: Int64) {
            buffer.writeStaticString(key)
            buffer.writeString(String(value))
        }

        /// A JSON string: `"` and `\` escaped, control characters as JSONEncoder writes them,
        /// everything else (UTF-8 included) as is.
        mutating func quoted(_ value: String) {
            buffer.writeInteger(UInt8(ascii: "\""))
            if value.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
                buffer.writeString(value)
            } else {
                for byte in value.utf8 {
                    switch byte {
                    case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                    case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                    case 0x0A: buffer.writeStaticString("\\n")
                    case 0x0D: buffer.writeStaticString("\\r")
                    case 0x09: buffer.writeStaticString("\\t")
                    case 0x08: buffer.writeStaticString("\\b")
                    case 0x0C: buffer.writeStaticString("\\f")
                    case 0..<0x20:
                        buffer.writeStaticString("\\u00")
                        buffer.writeInteger(Self.hexDigit(byte >> 4))
                        buffer.writeInteger(Self.hexDigit(byte & 0xF))
                    default: buffer.writeInteger(byte)
                    }
                }
            }
            buffer.writeInteger(UInt8(ascii: "\""))
        }

        static func hexDigit(_ nibble: UInt8) -> UInt8 {
            nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
        }
    }
}
