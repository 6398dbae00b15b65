/// The data of an `event: revoked` on platform-token-runtime's `GET /v1/events` stream.
///
/// The token travels only as its SHA-256 digest (hex), the key both sides already use.
public struct RevocationEvent: Codable, Sendable, Equatable {
    public var jti: String
    public var tokenDigest: String
    /// Seconds since the Unix epoch, with fractions, when the runtime revoked the token.
    public var revokedAt: Double

    public init(jti: String, tokenDigest: String, revokedAt: Double) {
        self.jti = jti
        self.tokenDigest = tokenDigest
        self.revokedAt = revokedAt
    }

    enum CodingKeys: String, CodingKey {
        case jti
        case tokenDigest = "token_digest"
        case revokedAt = "revoked_at"
    }
}

/// Event ids of the revocation stream: `<epoch>-<sequence>`. The sequence orders events; the epoch
/// names the history it belongs to (a runtime with a memory store starts a new one at each start),
/// so a client resuming from another history is told to reset instead of missing events.
public struct RevocationEventID: Sendable, Equatable, CustomStringConvertible {
    public var epoch: String
    public var sequence: UInt64

    public init(epoch: String, sequence: UInt64) {
        self.epoch = epoch
        self.sequence = sequence
    }

    public init?(_ text: some StringProtocol) {
        guard let dash = text.lastIndex(of: "-"), let sequence = UInt64(text[text.index(after: dash)...]) else { return nil }
        epoch = String(text[..<dash])
        guard !epoch.isEmpty else { return nil }
        self.sequence = sequence
    }

    public var description: String { "\(epoch)-\(sequence)" }
}
