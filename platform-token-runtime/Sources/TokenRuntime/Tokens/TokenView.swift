import TokenProtocol

/// A token as the admin API shows it: never the token itself, except once in ``IssuedToken``.
/// The policy claims are members of the same JSON object.
public struct TokenView: Codable, Sendable, Equatable {
    public var id: String
    public var subject: String
    public var status: TokenStatus
    public var issuedAt: Int64
    public var expiresAt: Int64
    public var revokedAt: Int64?
    public var scopes: [String]
    public var clientID: String?
    public var policy: TokenPolicy

    public init(_ record: TokenRecord, now: Double) {
        id = record.id
        subject = record.subject
        status = record.status(at: now)
        issuedAt = record.issuedAt
        expiresAt = record.expiresAt
        revokedAt = record.revokedAt
        scopes = record.scopes
        clientID = record.clientID
        policy = record.policy
    }

    enum CodingKeys: String, CodingKey {
        case id, subject, status
        case issuedAt = "issued_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case scopes
        case clientID = "client_id"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        subject = try container.decode(String.self, forKey: .subject)
        status = try container.decode(TokenStatus.self, forKey: .status)
        issuedAt = try container.decode(Int64.self, forKey: .issuedAt)
        expiresAt = try container.decode(Int64.self, forKey: .expiresAt)
        revokedAt = try container.decodeIfPresent(Int64.self, forKey: .revokedAt)
        scopes = try container.decode([String].self, forKey: .scopes)
        clientID = try container.decodeIfPresent(String.self, forKey: .clientID)
        policy = try TokenPolicy(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(subject, forKey: .subject)
        try container.encode(status, forKey: .status)
        try container.encode(issuedAt, forKey: .issuedAt)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encodeIfPresent(revokedAt, forKey: .revokedAt)
        try container.encode(scopes, forKey: .scopes)
        try container.encodeIfPresent(clientID, forKey: .clientID)
        try policy.encode(to: encoder)
    }
}

/// The answer to `POST /v1/tokens`: the only time the token is shown.
public struct IssuedToken: Codable, Sendable, Equatable {
    public var token: String
    public var view: TokenView

    public init(token: String, view: TokenView) {
        self.token = token
        self.view = view
    }

    enum CodingKeys: String, CodingKey { case token }

    public init(from decoder: any Decoder) throws {
        token = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .token)
        view = try TokenView(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(token, forKey: .token)
        try view.encode(to: encoder)
    }
}

/// `GET /v1/tokens` answer.
public struct TokenList: Codable, Sendable, Equatable {
    public var data: [TokenView]
    public var nextCursor: String?

    public init(data: [TokenView], nextCursor: String?) {
        self.data = data
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey {
        case data
        case nextCursor = "next_cursor"
    }
}
