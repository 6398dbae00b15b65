import ServiceSupport
import TokenProtocol

/// `POST /v1/tokens` body. Only `subject` is required.
public struct IssueTokenRequest: Codable, Sendable, Equatable {
    public var subject: String
    public var ttlSeconds: Int64?
    public var scopes: [String]?
    public var clientID: String?
    public var rateLimitRPM: Int?
    public var rateLimitTPM: Int?
    public var models: [String]?

    public init(
        subject: String,
        ttlSeconds: Int64? = nil,
        scopes: [String]? = nil,
        clientID: String? = nil,
        rateLimitRPM: Int? = nil,
        rateLimitTPM: Int? = nil,
        models: [String]? = nil
    ) {
        self.subject = subject
        self.ttlSeconds = ttlSeconds
        self.scopes = scopes
        self.clientID = clientID
        self.rateLimitRPM = rateLimitRPM
        self.rateLimitTPM = rateLimitTPM
        self.models = models
    }

    enum CodingKeys: String, CodingKey {
        case subject
        case ttlSeconds = "ttl_seconds"
        case scopes
        case clientID = "client_id"
        case rateLimitRPM = "rate_limit_rpm"
        case rateLimitTPM = "rate_limit_tpm"
        case models
    }
}

/// A token as the admin API shows it: never the token itself, except once in ``IssuedToken``.
public struct TokenView: Codable, Sendable, Equatable {
    public var id: String
    public var subject: String
    public var status: TokenStatus
    public var issuedAt: Int64
    public var expiresAt: Int64
    public var revokedAt: Int64?
    public var scopes: [String]
    public var clientID: String?
    public var rateLimitRPM: Int?
    public var rateLimitTPM: Int?
    public var models: [String]?

    public init(_ record: TokenRecord, now: Double) {
        id = record.id
        subject = record.subject
        status = record.status(at: now)
        issuedAt = record.issuedAt
        expiresAt = record.expiresAt
        revokedAt = record.revokedAt
        scopes = record.scopes
        clientID = record.clientID
        rateLimitRPM = record.rateLimitRPM
        rateLimitTPM = record.rateLimitTPM
        models = record.models
    }

    enum CodingKeys: String, CodingKey {
        case id, subject, status
        case issuedAt = "issued_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case scopes
        case clientID = "client_id"
        case rateLimitRPM = "rate_limit_rpm"
        case rateLimitTPM = "rate_limit_tpm"
        case models
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
