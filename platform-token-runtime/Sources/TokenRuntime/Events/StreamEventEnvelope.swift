import Foundation
import TokenProtocol

/// One ``StreamEvent`` as a single JSON document, `{"data":{...},"event":"recall"}`: the payload of
/// the notifications that carry announced events between replicas sharing PostgreSQL.
struct StreamEventEnvelope: Decodable {
    /// Nil for an event name this build does not know.
    var event: StreamEvent?

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
        (try? JSONDecoder().decode(StreamEventEnvelope.self, from: Data(text.utf8)))?.event
    }

    enum CodingKeys: String, CodingKey { case event, data }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .event) {
        case RevocationStream.revoked: event = .revoked(try container.decode(RevocationEvent.self, forKey: .data))
        case RevocationStream.updated: event = .updated(try container.decode(TokenUpdatedEvent.self, forKey: .data))
        case RevocationStream.recall: event = .recall(try container.decode(QuotaRecallEvent.self, forKey: .data))
        case RevocationStream.budget: event = .budget(try container.decode(BudgetAlertEvent.self, forKey: .data))
        default: event = nil
        }
    }
}
