import TokenProtocol

/// `POST /v1/tokens` body. Only `subject` is required; the policy claims are members of the
/// same JSON object.
public struct IssueTokenRequest: Codable, Sendable, Equatable {
    public var subject: String
    public var ttlSeconds: Int64?
    public var scopes: [String]?
    public var clientID: String?
    public var policy: TokenPolicy

    public init(subject: String, ttlSeconds: Int64? = nil, scopes: [String]? = nil, clientID: String? = nil, policy: TokenPolicy) {
        self.subject = subject
        self.ttlSeconds = ttlSeconds
        self.scopes = scopes
        self.clientID = clientID
        self.policy = policy
    }

    /// Shorthand with the rate limits and models spelled out (a new claim need not be added here:
    /// pass a ``TokenPolicy``).
    public init(
        subject: String, ttlSeconds: Int64? = nil, scopes: [String]? = nil, clientID: String? = nil,
        rateLimitRPM: Int? = nil, rateLimitTPM: Int? = nil, models: [String]? = nil
    ) {
        self.init(
            subject: subject, ttlSeconds: ttlSeconds, scopes: scopes, clientID: clientID,
            policy: TokenPolicy(rateLimitRPM: rateLimitRPM, rateLimitTPM: rateLimitTPM, models: models))
    }

    enum CodingKeys: String, CodingKey {
        case subject
        case ttlSeconds = "ttl_seconds"
        case scopes
        case clientID = "client_id"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subject = try container.decode(String.self, forKey: .subject)
        ttlSeconds = try container.decodeIfPresent(Int64.self, forKey: .ttlSeconds)
        scopes = try container.decodeIfPresent([String].self, forKey: .scopes)
        clientID = try container.decodeIfPresent(String.self, forKey: .clientID)
        policy = try TokenPolicy(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(subject, forKey: .subject)
        try container.encodeIfPresent(ttlSeconds, forKey: .ttlSeconds)
        try container.encodeIfPresent(scopes, forKey: .scopes)
        try container.encodeIfPresent(clientID, forKey: .clientID)
        try policy.encode(to: encoder)
    }
}
