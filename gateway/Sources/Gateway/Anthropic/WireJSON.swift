import Foundation
import NIOCore

/// The one JSON encoding the translation layer writes: compact, sorted keys (deterministic
/// output), slashes unescaped.
///
/// A hand-rolled codec (``JSONParser``, ``JSONValueDecoder``, ``JSONValueEncoder``,
/// ``JSONWriter``) rather than Foundation's `JSONDecoder`/`JSONEncoder`: crossing a 1.5 KB
/// Messages request to a chat request cost 123 µs and 516 allocations through Foundation (a
/// failing `try?` probe formats a whole `DecodingError`, every tool schema node threw five), a
/// chat answer 32 µs, a stream chunk 23 µs. The writer's bytes are Foundation's, byte for byte
/// (WireJSONDifferentialTests).
enum WireJSON {
    static func bytes(_ value: some Encodable) -> [UInt8] {
        guard let tree = try? JSONValueEncoder.encode(value) else { return Array("null".utf8) }
        return JSONWriter.bytes(tree)
    }

    static func data(_ value: some Encodable) -> Data {
        Data(bytes(value))
    }

    static func string(_ value: some Encodable) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    static func buffer(_ value: some Encodable) -> ByteBuffer {
        ByteBuffer(bytes: bytes(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONValueDecoder.decode(type, from: try parsed(JSONParser.parse(text)))
    }

    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        let node = try parsed(buffer.withUnsafeReadableBytes { bytes in Result { () throws(JSONParser.SyntaxError) in try JSONParser.parse(bytes) } }.get())
        return try JSONValueDecoder.decode(type, from: node)
    }

    /// A syntax error as Foundation's decoder reported it: data corrupted at the top.
    private static func parsed(_ parse: @autoclosure () throws(JSONParser.SyntaxError) -> JSONValue) throws -> JSONValue {
        do {
            return try parse()
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: [], debugDescription: "The given data was not valid JSON.", underlyingError: error))
        }
    }
}
