import Foundation
import TokenProtocol

/// A ``StreamEvent`` as it travels: its event name (``RevocationStream``) and its data, the
/// event's JSON with sorted keys. The same pair is the SSE frame's `event:`/`data:` and, in a JSON
/// envelope (``StreamEventEnvelope``), the payload of the PostgreSQL notification that carries it
/// to the other replicas.
extension StreamEvent {
    /// `revoked`, `updated`, `recall` or `budget`.
    public var name: String {
        switch self {
        case .revoked: RevocationStream.revoked
        case .updated: RevocationStream.updated
        case .recall: RevocationStream.recall
        case .budget: RevocationStream.budget
        }
    }

    /// The event's JSON (sorted keys, slashes unescaped).
    public func jsonData() throws -> Data {
        let encoder = StreamEventEnvelope.encoder
        switch self {
        case .revoked(let event): return try encoder.encode(event)
        case .updated(let event): return try encoder.encode(event)
        case .recall(let event): return try encoder.encode(event)
        case .budget(let event): return try encoder.encode(event)
        }
    }

}
