import ServiceSupport
import TokenProtocol

/// Everything the runtime keeps about one token. The token itself is never kept: only its digest.
public struct TokenRecord: Sendable, Equatable {
    /// Public identifier, also the introspection `jti`.
    public var id: String
    public var digest: TokenDigest
    public var subject: String
    public var clientID: String?
    public var scopes: [String]
    /// Seconds since the Unix epoch.
    public var issuedAt: Int64
    public var expiresAt: Int64
    public var revokedAt: Int64?
    /// What the token may do, as issued.
    public var policy: TokenPolicy

    public init(
        id: String,
        digest: TokenDigest,
        subject: String,
        clientID: String? = nil,
        scopes: [String] = [],
        issuedAt: Int64,
        expiresAt: Int64,
        revokedAt: Int64? = nil,
        policy: TokenPolicy = TokenPolicy()
    ) {
        self.id = id
        self.digest = digest
        self.subject = subject
        self.clientID = clientID
        self.scopes = scopes
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.policy = policy
    }

    /// Active until `exp`, then expired; revoked wins over expired.
    public func status(at now: Double) -> TokenStatus {
        if revokedAt != nil { return .revoked }
        return now >= Double(expiresAt) ? .expired : .active
    }

    /// New token identifiers: `tok_` + 96 random bits in hex.
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = UInt64.random(in: .min ... .max, using: &generator)
        let low = UInt32.random(in: .min ... .max, using: &generator)
        return "tok_" + hex(high, width: 16) + hex(UInt64(low), width: 8)
    }

    static func hex(_ value: UInt64, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
