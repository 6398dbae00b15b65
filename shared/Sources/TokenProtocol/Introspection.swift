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
    /// Extension: the token's policy claims, members of this same JSON object (empty when inactive).
    public var policy: TokenPolicy

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
        policy: TokenPolicy = TokenPolicy()
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
        self.policy = policy
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
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        active = try container.decode(Bool.self, forKey: .active)
        scope = try container.decodeIfPresent(String.self, forKey: .scope)
        clientID = try container.decodeIfPresent(String.self, forKey: .clientID)
        username = try container.decodeIfPresent(String.self, forKey: .username)
        sub = try container.decodeIfPresent(String.self, forKey: .sub)
        tokenType = try container.decodeIfPresent(String.self, forKey: .tokenType)
        exp = try container.decodeIfPresent(Int64.self, forKey: .exp)
        iat = try container.decodeIfPresent(Int64.self, forKey: .iat)
        nbf = try container.decodeIfPresent(Int64.self, forKey: .nbf)
        aud = try container.decodeIfPresent(String.self, forKey: .aud)
        iss = try container.decodeIfPresent(String.self, forKey: .iss)
        jti = try container.decodeIfPresent(String.self, forKey: .jti)
        status = try container.decodeIfPresent(TokenStatus.self, forKey: .status)
        policy = try TokenPolicy(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(active, forKey: .active)
        try container.encodeIfPresent(scope, forKey: .scope)
        try container.encodeIfPresent(clientID, forKey: .clientID)
        try container.encodeIfPresent(username, forKey: .username)
        try container.encodeIfPresent(sub, forKey: .sub)
        try container.encodeIfPresent(tokenType, forKey: .tokenType)
        try container.encodeIfPresent(exp, forKey: .exp)
        try container.encodeIfPresent(iat, forKey: .iat)
        try container.encodeIfPresent(nbf, forKey: .nbf)
        try container.encodeIfPresent(aud, forKey: .aud)
        try container.encodeIfPresent(iss, forKey: .iss)
        try container.encodeIfPresent(jti, forKey: .jti)
        try container.encodeIfPresent(status, forKey: .status)
        try policy.encode(to: encoder)
    }
}
