import Hummingbird
import ServiceSupport
import TokenProtocol

/// The introspection answer written straight into the response buffer: byte for byte what
/// ``JSONBody``'s `JSONEncoder` (sorted keys, slashes unescaped) writes for the same value, without
/// its intermediate tree (JSONEncoder took ~11 µs of the ~150 µs of CPU a request cost;
/// this 2-3 µs; bench/HISTORY.md). Keys are in sorted order and nil fields are left out;
/// `IntrospectionJSONTests` checks it against `JSONEncoder` field by field and character by character.
public enum IntrospectionJSON {
    /// The answer's JSON document. Each field is written as its key with the comma before it and
    /// the colon after it in one static string (`,"exp":`): `active` always comes first.
    public static func encode(_ answer: IntrospectionResponse) -> ByteBuffer {
        var json = ByteBuffer()
        json.reserveCapacity(384)
        json.writeStaticString(answer.active ? #"{"active":true"# : #"{"active":false"#)
        if let aud = answer.aud { json.writeField(#","aud":"#, aud) }
        if let clientID = answer.clientID { json.writeField(#","client_id":"#, clientID) }
        if let exp = answer.exp { json.writeField(#","exp":"#, exp) }
        if let iat = answer.iat { json.writeField(#","iat":"#, iat) }
        if let iss = answer.iss { json.writeField(#","iss":"#, iss) }
        if let jti = answer.jti { json.writeField(#","jti":"#, jti) }
        if let models = answer.models {
            json.writeStaticString(#","models":["#)
            for (index, model) in models.enumerated() {
                if index > 0 { json.writeInteger(UInt8(ascii: ",")) }
                json.writeJSONString(model)
            }
            json.writeInteger(UInt8(ascii: "]"))
        }
        if let nbf = answer.nbf { json.writeField(#","nbf":"#, nbf) }
        if let rpm = answer.rateLimitRPM { json.writeField(#","rate_limit_rpm":"#, Int64(rpm)) }
        if let tpm = answer.rateLimitTPM { json.writeField(#","rate_limit_tpm":"#, Int64(tpm)) }
        if let scope = answer.scope { json.writeField(#","scope":"#, scope) }
        if let status = answer.status { json.writeField(#","status":"#, status.rawValue) }
        if let sub = answer.sub { json.writeField(#","sub":"#, sub) }
        if let tokenType = answer.tokenType { json.writeField(#","token_type":"#, tokenType) }
        if let username = answer.username { json.writeField(#","username":"#, username) }
        json.writeInteger(UInt8(ascii: "}"))
        return json
    }
}

extension ByteBuffer {
    fileprivate mutating func writeField(_ key: StaticString, _ value: String) {
        writeStaticString(key)
        writeJSONString(value)
    }

    fileprivate mutating func writeField(_ key: StaticString, _ value: Int64) {
        writeStaticString(key)
        writeString(String(value))
    }

    /// A JSON string: `"` and `\` escaped, control characters as JSONEncoder writes them,
    /// everything else (UTF-8 included) as is.
    fileprivate mutating func writeJSONString(_ value: String) {
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
