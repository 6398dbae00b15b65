import Hummingbird
import ServiceSupport
import TokenProtocol

/// The introspection answer written straight into the response buffer, without `JSONEncoder`'s
/// intermediate tree (JSONEncoder took ~11 µs of the ~150 µs of CPU a request cost; this 2-3 µs;
/// bench/HISTORY.md). The answer's own fields come first, in sorted key order, exactly as
/// ``JSONBody``'s `JSONEncoder` (sorted keys, slashes unescaped) writes them; then the
/// ``TokenPolicy`` claims, written by the policy itself (sorted among themselves). Nil fields are
/// left out. `IntrospectionJSONTests` checks every byte against `JSONEncoder`'s output for the
/// same answer and policy.
public enum IntrospectionJSON {
    /// The answer's JSON document. Each field is written as its key with the comma before it and
    /// the colon after it in one static string (`,"exp":`): `active` always comes first.
    public static func encode(_ answer: IntrospectionResponse) -> ByteBuffer {
        var json = Writer(buffer: ByteBuffer())
        json.buffer.reserveCapacity(384)
        json.buffer.writeStaticString(answer.active ? #"{"active":true"# : #"{"active":false"#)
        if let aud = answer.aud { json.buffer.writeField(#","aud":"#, aud) }
        if let clientID = answer.clientID { json.buffer.writeField(#","client_id":"#, clientID) }
        if let exp = answer.exp { json.buffer.writeField(#","exp":"#, exp) }
        if let iat = answer.iat { json.buffer.writeField(#","iat":"#, iat) }
        if let iss = answer.iss { json.buffer.writeField(#","iss":"#, iss) }
        if let jti = answer.jti { json.buffer.writeField(#","jti":"#, jti) }
        if let nbf = answer.nbf { json.buffer.writeField(#","nbf":"#, nbf) }
        if let scope = answer.scope { json.buffer.writeField(#","scope":"#, scope) }
        if let status = answer.status { json.buffer.writeField(#","status":"#, status.rawValue) }
        if let sub = answer.sub { json.buffer.writeField(#","sub":"#, sub) }
        if let tokenType = answer.tokenType { json.buffer.writeField(#","token_type":"#, tokenType) }
        if let username = answer.username { json.buffer.writeField(#","username":"#, username) }
        answer.policy.writeJSONMembers(to: &json)
        json.buffer.writeInteger(UInt8(ascii: "}"))
        return json.buffer
    }

    /// Members after the first (so each starts with a comma) into the response buffer.
    struct Writer: JSONMemberWriter {
        var buffer: ByteBuffer

        mutating func member(_ key: StaticString, _ value: Int64) {
            writeKey(key)
            buffer.writeString(String(value))
        }

        mutating func member(_ key: StaticString, _ value: String) {
            writeKey(key)
            buffer.writeJSONString(value)
        }

        mutating func member(_ key: StaticString, _ values: [String]) {
            writeKey(key)
            buffer.writeInteger(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                buffer.writeJSONString(value)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        }

        mutating func member(_ key: StaticString, number: String) {
            writeKey(key)
            buffer.writeString(number)
        }

        private mutating func writeKey(_ key: StaticString) {
            buffer.writeStaticString(",\"")
            buffer.writeStaticString(key)
            buffer.writeStaticString(#"":"#)
        }
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

}
