/// RFC 7662 section 2.1: the introspection request, sent form-encoded.
public struct IntrospectionRequest: Codable, Sendable, Equatable {
    public var token: String
    public var tokenTypeHint: String?

    public init(token: String, tokenTypeHint: String? = nil) {
        self.token = token
        self.tokenTypeHint = tokenTypeHint
    }

    enum CodingKeys: String, CodingKey {
        case token
        case tokenTypeHint = "token_type_hint"
    }

    /// The form body for this request (`application/x-www-form-urlencoded`).
    public var formEncoded: String {
        var body = "token=" + FormEncoding.escape(token)
        if let tokenTypeHint {
            body += "&token_type_hint=" + FormEncoding.escape(tokenTypeHint)
        }
        return body
    }
}

/// RFC 7662 section 2.2: the introspection response, plus Lijiaoqiao's extension fields.
///
/// For an inactive token only `active: false` and `status` are set: nothing else about the
/// token leaves the runtime. `status` goes only to authenticated callers (gateways).
public struct IntrospectionResponse: Codable, Sendable, Equatable {
    public var active: Bool
    /// Space-separated scopes (RFC 7662 `scope`).
    public var scope: String?
    public var clientID: String?
    public var username: String?
    public var sub: String?
    public var tokenType: String?
    /// Expiry, seconds since the Unix epoch.
    public var exp: Int64?
    public var iat: Int64?
    public var nbf: Int64?
    public var aud: String?
    public var iss: String?
    public var jti: String?
    /// Extension: why a token is (in)active.
    public var status: TokenStatus?
    /// Extension: per-token requests per minute (0 or absent: gateway default).
    public var rateLimitRPM: Int?
    /// Extension: per-token tokens per minute (0 or absent: gateway default).
    public var rateLimitTPM: Int?
    /// Extension: the models this token may use; absent means any.
    public var models: [String]?

    public init(
        active: Bool,
        scope: String? = nil,
        clientID: String? = nil,
        username: String? = nil,
        sub: String? = nil,
        tokenType: String? = nil,
        exp: Int64? = nil,
        iat: Int64? = nil,
        nbf: Int64? = nil,
        aud: String? = nil,
        iss: String? = nil,
        jti: String? = nil,
        status: TokenStatus? = nil,
        rateLimitRPM: Int? = nil,
        rateLimitTPM: Int? = nil,
        models: [String]? = nil
    ) {
        self.active = active
        self.scope = scope
        self.clientID = clientID
        self.username = username
        self.sub = sub
        self.tokenType = tokenType
        self.exp = exp
        self.iat = iat
        self.nbf = nbf
        self.aud = aud
        self.iss = iss
        self.jti = jti
        self.status = status
        self.rateLimitRPM = rateLimitRPM
        self.rateLimitTPM = rateLimitTPM
        self.models = models
    }

    /// The answer for any token that is not active: no claims, only the reason.
    public static func inactive(_ status: TokenStatus) -> IntrospectionResponse {
        IntrospectionResponse(active: false, status: status)
    }

    enum CodingKeys: String, CodingKey {
        case active, scope
        case clientID = "client_id"
        case username, sub
        case tokenType = "token_type"
        case exp, iat, nbf, aud, iss, jti, status
        case rateLimitRPM = "rate_limit_rpm"
        case rateLimitTPM = "rate_limit_tpm"
        case models
    }
}
