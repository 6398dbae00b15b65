/// What one token may do: the per-token policy claims, set when the token is issued, kept by the
/// runtime's store, and answered to the gateway by introspection, which enforces them.
///
/// Declared once, here. Every type that carries them (the issue request, the stored record, the
/// admin view, ``IntrospectionResponse``, the gateway's claims) holds one `TokenPolicy` and
/// flattens its keys into its own JSON object, so the JSON is the same as if each listed the
/// fields itself. A new claim is a property, its coding key, its check in ``validate()`` and its
/// member in ``writeJSONMembers(to:)``, all in this file; then the store's columns and the stage
/// that enforces it.
public struct TokenPolicy: Codable, Sendable, Hashable {
    /// Requests per minute (0 or absent: the gateway's default).
    public var rateLimitRPM: Int?
    /// Tokens per minute (0 or absent: the gateway's default).
    public var rateLimitTPM: Int?
    /// The only models this token may use; absent means any.
    public var models: [String]?

    public init(rateLimitRPM: Int? = nil, rateLimitTPM: Int? = nil, models: [String]? = nil) {
        self.rateLimitRPM = rateLimitRPM
        self.rateLimitTPM = rateLimitTPM
        self.models = models
    }

    /// The wire names. Absent claims are left out of the JSON (synthesized `encodeIfPresent`).
    enum CodingKeys: String, CodingKey {
        case rateLimitRPM = "rate_limit_rpm"
        case rateLimitTPM = "rate_limit_tpm"
        case models
    }

    public func allows(model: String) -> Bool {
        models.map { $0.contains(model) } ?? true
    }

    /// A claim that may not be issued; `message` names the wire field and what is allowed.
    public struct Invalid: Error, Sendable, Equatable {
        public var message: String

        public init(message: String) {
            self.message = message
        }
    }

    /// Checks the claims a caller asks a token to be issued with.
    public func validate() throws(Invalid) {
        if let rateLimitRPM, rateLimitRPM < 0 { throw Invalid(message: "rate_limit_rpm must be 0 (unlimited) or more") }
        if let rateLimitTPM, rateLimitTPM < 0 { throw Invalid(message: "rate_limit_tpm must be 0 (unlimited) or more") }
        if let models {
            guard !models.isEmpty else { throw Invalid(message: "models, when given, must name at least one model") }
            for model in models where model.isEmpty || model.utf8.count > 256 {
                throw Invalid(message: "each model must be 1 to 256 characters")
            }
        }
    }

    /// Writes the claims that are set as JSON object members, in sorted key order (what
    /// `JSONEncoder` with `.sortedKeys` writes for this value alone): the runtime's introspection
    /// answer uses this instead of `JSONEncoder` on its hot path.
    @inlinable
    public func writeJSONMembers(to writer: inout some JSONMemberWriter) {
        if let models { writer.member("models", models) }
        if let rateLimitRPM { writer.member("rate_limit_rpm", Int64(rateLimitRPM)) }
        if let rateLimitTPM { writer.member("rate_limit_tpm", Int64(rateLimitTPM)) }
    }
}

/// A hand-written JSON object writer, for types that write their own members
/// (``TokenPolicy/writeJSONMembers(to:)``). Keys are ASCII and need no escaping; values are
/// escaped as `JSONEncoder` escapes them (slashes unescaped).
public protocol JSONMemberWriter {
    mutating func member(_ key: StaticString, _ value: Int64)
    mutating func member(_ key: StaticString, _ value: String)
    mutating func member(_ key: StaticString, _ values: [String])
}
