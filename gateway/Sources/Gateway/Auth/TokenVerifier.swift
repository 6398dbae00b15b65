import TokenProtocol

/// Turns a bearer token into a verdict. The gateway's only view of token authority.
public protocol TokenVerifier: Sendable {
    func verify(_ token: String) async -> TokenVerdict
}

/// What the gateway may know about an active token.
public struct TokenClaims: Sendable, Equatable {
    public var subject: String
    public var jti: String
    public var scopes: [String]
    /// Expiry, seconds since the Unix epoch; nil if the runtime did not say.
    public var exp: Int64?
    public var clientID: String?
    public var rateLimitRPM: Int?
    public var rateLimitTPM: Int?
    /// The only models this token may use; nil means any.
    public var models: [String]?

    public init(
        subject: String, jti: String, scopes: [String] = [], exp: Int64? = nil, clientID: String? = nil,
        rateLimitRPM: Int? = nil, rateLimitTPM: Int? = nil, models: [String]? = nil
    ) {
        self.subject = subject
        self.jti = jti
        self.scopes = scopes
        self.exp = exp
        self.clientID = clientID
        self.rateLimitRPM = rateLimitRPM
        self.rateLimitTPM = rateLimitTPM
        self.models = models
    }

    /// The claims of an RFC 7662 answer; nil unless it is active.
    public init?(_ response: IntrospectionResponse) {
        guard response.active else { return nil }
        self.init(
            subject: response.sub ?? response.username ?? "",
            jti: response.jti ?? "",
            scopes: response.scope?.split(separator: " ").map(String.init) ?? [],
            exp: response.exp,
            clientID: response.clientID,
            rateLimitRPM: response.rateLimitRPM,
            rateLimitTPM: response.rateLimitTPM,
            models: response.models
        )
    }

    public func allows(model: String) -> Bool {
        models.map { $0.contains(model) } ?? true
    }
}

/// The answer of a ``TokenVerifier``.
public enum TokenVerdict: Sendable, Equatable {
    case active(TokenClaims)
    /// Expired, revoked or unknown (malformed tokens are unknown).
    case inactive(TokenStatus)
    /// The token authority could not answer: fail closed (HTTP 503).
    case unavailable(UnavailableReason)

    public enum UnavailableReason: String, Sendable, Equatable {
        case timeout, error, overloaded
    }

    /// The verdict for an RFC 7662 answer; an inactive answer without our `status` is unknown.
    public init(_ response: IntrospectionResponse) {
        if let claims = TokenClaims(response) {
            self = .active(claims)
        } else {
            let status = response.status ?? .unknown
            self = .inactive(status == .active ? .unknown : status)
        }
    }
}
