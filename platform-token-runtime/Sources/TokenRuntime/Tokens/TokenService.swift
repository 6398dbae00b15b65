import Logging
import ServiceSupport
import TokenProtocol

/// Issue, revoke and introspect, against an injected ``WallClock``. The HTTP layer is a thin
/// shell around this type; so is the gateway's in-process (dev) runtime.
public final class TokenService: Sendable {
    public struct Limits: Sendable, Equatable {
        public var defaultTTL: Int64
        public var maxTTL: Int64
        public var issuer: String

        public init(defaultTTL: Int64 = 86_400, maxTTL: Int64 = 31_536_000, issuer: String = "platform-token-runtime") {
            self.defaultTTL = defaultTTL
            self.maxTTL = maxTTL
            self.issuer = issuer
        }
    }

    public let store: any TokenStore
    public let clock: any WallClock
    public let limits: Limits
    let metrics: RuntimeMetrics
    let revocationListener: (@Sendable (TokenRecord) async -> Void)?
    /// Tells every replica's event subscribers of policy updates (nil: nobody is told).
    let announcer: (any StreamAnnouncer)?

    public init(
        store: any TokenStore,
        clock: any WallClock = SystemWallClock(),
        limits: Limits = Limits(),
        metrics: RuntimeMetrics = RuntimeMetrics(),
        onRevoke: (@Sendable (TokenRecord) async -> Void)? = nil,
        announcer: (any StreamAnnouncer)? = nil
    ) {
        self.store = store
        self.clock = clock
        self.limits = limits
        self.metrics = metrics
        self.revocationListener = onRevoke
        self.announcer = announcer
    }

    /// Issues a new token. The returned ``IssuedToken`` is the only place the token appears.
    public func issue(_ request: IssueTokenRequest) async throws -> IssuedToken {
        try validate(request)
        let now = clock.now()
        let ttl = request.ttlSeconds ?? limits.defaultTTL
        let token = TokenFormat.generate()
        let issuedAt = Int64(now.rounded(.down))
        let record = TokenRecord(
            id: TokenRecord.newID(),
            digest: TokenDigest(token: token),
            subject: request.subject,
            clientID: request.clientID,
            scopes: request.scopes ?? [],
            issuedAt: issuedAt,
            expiresAt: Int64((now + Double(ttl)).rounded(.up)),
            policy: request.policy
        )
        try await store.insert(record)
        metrics.tokensIssued.increment()
        return IssuedToken(token: token, view: TokenView(record, now: now))
    }

    /// Registers a caller-chosen, well-formed token (the gateway's dev tokens). Not exposed over HTTP.
    public func register(token: String, _ request: IssueTokenRequest) async throws -> TokenView {
        guard TokenFormat.isWellFormed(token) else { throw TokenServiceError.invalidRequest("token is not well-formed") }
        try validate(request)
        let now = clock.now()
        let record = TokenRecord(
            id: TokenRecord.newID(), digest: TokenDigest(token: token), subject: request.subject, clientID: request.clientID,
            scopes: request.scopes ?? [], issuedAt: Int64(now.rounded(.down)),
            expiresAt: Int64((now + Double(request.ttlSeconds ?? limits.defaultTTL)).rounded(.up)), policy: request.policy)
        try await store.insert(record)
        metrics.tokensIssued.increment()
        return TokenView(record, now: now)
    }

    /// RFC 7662: full claims for an active token, only `active: false` and the reason otherwise.
    /// A malformed token is simply unknown.
    public func introspect(token: String) async throws -> IntrospectionResponse {
        let response: IntrospectionResponse
        if TokenFormat.isWellFormed(token), let record = try await store.record(digest: TokenDigest(token: token)) {
            let status = record.status(at: clock.now())
            response = status == .active ? claims(record) : .inactive(status)
        } else {
            response = .inactive(.unknown)
        }
        metrics.introspection(response.status ?? .unknown)
        return response
    }

    /// Revokes by id; idempotent. Nil when no token has that id.
    public func revoke(id: String) async throws -> TokenRecord? {
        guard let before = try await store.record(id: id) else { return nil }
        if before.revokedAt != nil { return before }
        guard let after = try await store.revoke(id: id, at: Int64(clock.now().rounded(.down))) else { return nil }
        metrics.tokensRevoked.increment()
        await revocationListener?(after)
        return after
    }

    /// Changes a token's policy claims: the merged policy must pass ``TokenPolicy/validate()``.
    /// The change is a compare-and-set against the policy it was merged with, retried when another
    /// change came between (so two PATCHes of different claims both hold). Once the store has the
    /// new policy (and no replica serves the old one from memory), announces `updated` so gateways
    /// drop what they cached. Nil when no token has that id.
    public func update(id: String, _ patch: TokenPolicyPatch) async throws -> TokenRecord? {
        for _ in 0..<Self.updateAttempts {
            guard let before = try await store.record(id: id) else { return nil }
            let policy = patch.applied(to: before.policy)
            do throws(TokenPolicy.Invalid) {
                try policy.validate()
            } catch {
                throw TokenServiceError.invalidRequest(error.message)
            }
            // Nothing changes: nothing to write, and no `updated` for gateways to act on.
            if policy == before.policy { return before }
            guard let after = try await store.update(id: id, policy: policy, ifCurrent: before.policy) else { continue }
            await announcer?.announce(
                .updated(TokenUpdatedEvent(jti: after.id, tokenDigest: after.digest.hex, updatedAt: clock.now())))
            return after
        }
        throw TokenStoreError.unavailable("the token's policy kept changing under concurrent updates")
    }

    /// Compare-and-set rounds of one update before it gives up (503).
    static let updateAttempts = 8

    /// RFC 7009: revokes the token if it exists; unknown or malformed tokens are not an error.
    public func revoke(token: String) async throws {
        guard TokenFormat.isWellFormed(token),
            let record = try await store.record(digest: TokenDigest(token: token))
        else { return }
        _ = try await revoke(id: record.id)
    }

    public func lookup(id: String) async throws -> TokenView? {
        guard let record = try await store.record(id: id) else { return nil }
        return TokenView(record, now: clock.now())
    }

    public func list(_ query: TokenQuery) async throws -> TokenList {
        let now = clock.now()
        let page = try await store.list(query, now: now)
        return TokenList(data: page.records.map { TokenView($0, now: now) }, nextCursor: page.nextCursor)
    }

    func claims(_ record: TokenRecord) -> IntrospectionResponse {
        IntrospectionResponse(
            active: true,
            scope: record.scopes.isEmpty ? nil : record.scopes.joined(separator: " "),
            clientID: record.clientID,
            username: record.subject,
            sub: record.subject,
            tokenType: "Bearer",
            exp: record.expiresAt,
            iat: record.issuedAt,
            nbf: record.issuedAt,
            iss: limits.issuer,
            jti: record.id,
            status: .active,
            policy: record.policy
        )
    }

    func validate(_ request: IssueTokenRequest) throws {
        func invalid(_ message: String) -> TokenServiceError { .invalidRequest(message) }
        let subject = request.subject
        guard !subject.isEmpty, subject.utf8.count <= 256, !subject.contains(where: \.isNewline) else {
            throw invalid("subject must be 1 to 256 characters without line breaks")
        }
        if let ttl = request.ttlSeconds {
            guard ttl > 0 else { throw invalid("ttl_seconds must be positive") }
            guard ttl <= limits.maxTTL else { throw invalid("ttl_seconds must be at most \(limits.maxTTL)") }
        }
        for scope in request.scopes ?? [] where scope.isEmpty || scope.contains(" ") || scope.utf8.count > 128 {
            throw invalid("each scope must be 1 to 128 characters without spaces")
        }
        if let clientID = request.clientID, clientID.isEmpty || clientID.utf8.count > 256 {
            throw invalid("client_id must be 1 to 256 characters")
        }
        do throws(TokenPolicy.Invalid) {
            try request.policy.validate()
        } catch {
            throw invalid(error.message)
        }
    }
}

public enum TokenServiceError: Error, Sendable, Equatable {
    case invalidRequest(String)
}
