import ServiceSupport
import TokenProtocol

/// Turns a bearer token into a verdict. The gateway's only view of token authority.
public protocol TokenVerifier: Sendable {
    func verify(_ token: String) async -> TokenVerdict
    /// What is known of `token` without asking the token authority (format check, cache): lets the
    /// gateway shed a request before it would cost an introspection.
    func knownVerdict(_ token: String) -> KnownVerdict
    /// The verdict of a token ``knownVerdict(_:)`` answered `.notKnown` for, without checking the
    /// format and the cache again.
    func verifyUnknown(_ token: String) async -> TokenVerdict
}

/// What a verifier knows of a token before asking anyone.
public enum KnownVerdict: Sendable, Equatable {
    /// Fails the local format/checksum check: unknown without asking.
    case malformed
    /// A cached answer.
    case cached(TokenVerdict)
    /// Only the token authority can tell (``TokenVerifier/verify(_:)`` would ask it).
    case notKnown
}

extension TokenVerifier {
    /// Verifiers without a cache know nothing in advance.
    public func knownVerdict(_ token: String) -> KnownVerdict { .notKnown }

    public func verifyUnknown(_ token: String) async -> TokenVerdict { await verify(token) }
}

/// What the gateway may know about an active token. Immutable.
///
/// The fields live in one shared object: a cached verdict is copied out of the cache on every
/// request, and copying one reference (one retain) instead of five strings and arrays keeps a hit
/// from touching five cold heap objects (perf of bench/cache.sh: retains were a fifth of a hit).
public struct TokenClaims: Sendable, Equatable {
    private struct Fields: Sendable, Equatable {
        var subject: String
        var jti: String
        var scopes: [String]
        var exp: Int64?
        var clientID: String?
        var policy: TokenPolicy
    }

    private final class Box: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private let box: Box

    public var subject: String { box.fields.subject }
    public var jti: String { box.fields.jti }
    public var scopes: [String] { box.fields.scopes }
    /// Expiry, seconds since the Unix epoch; nil if the runtime did not say.
    public var exp: Int64? { box.fields.exp }
    public var clientID: String? { box.fields.clientID }
    /// The token's policy claims, as the runtime answered them.
    public var policy: TokenPolicy { box.fields.policy }
    public var rateLimitRPM: Int? { box.fields.policy.rateLimitRPM }
    public var rateLimitTPM: Int? { box.fields.policy.rateLimitTPM }
    /// The only models this token may use; nil means any.
    public var models: [String]? { box.fields.policy.models }

    public init(
        subject: String, jti: String, scopes: [String] = [], exp: Int64? = nil, clientID: String? = nil,
        policy: TokenPolicy = TokenPolicy()
    ) {
        box = Box(Fields(subject: subject, jti: jti, scopes: scopes, exp: exp, clientID: clientID, policy: policy))
    }

    public static func == (left: TokenClaims, right: TokenClaims) -> Bool {
        left.box === right.box || left.box.fields == right.box.fields
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
            policy: response.policy
        )
    }

    public func allows(model: String) -> Bool {
        box.fields.policy.allows(model: model)
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
