import Foundation
import TokenProtocol

/// One ``StreamEvent`` as a single JSON document, `{"data":{...},"event":"recall"}`: the payload of
/// the notifications that carry announced events between replicas sharing PostgreSQL.
enum StreamEventEnvelope {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The envelope's text for `event`.
    static func encode(_ event: StreamEvent) throws -> String {
        let data = try event.jsonData()
        return "{\"data\":\(String(decoding: data, as: UTF8.self)),\"event\":\"\(event.name)\"}"
    }

    /// The event in `text`; nil when it is not an envelope of a known event.
    static func decode(_ text: String) -> StreamEvent? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let name = object["event"] as? String, let data = object["data"],
            let bytes = try? JSONSerialization.data(withJSONObject: data)
        else { return nil }
        return (try? StreamEvent(name: name, data: bytes)) ?? nil
    }
}
