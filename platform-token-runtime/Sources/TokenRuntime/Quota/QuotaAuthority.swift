import ServiceSupport
import TokenProtocol

/// The quota authority: answers a gateway's ``QuotaLeaseRequest`` from one token's budget and
/// requests per minute, over a ``QuotaStore``.
///
/// A call is checked (numbers, the token exists and is active), applied once (releases, then
/// grants; the holder's lease extended by the lease TTL), and, when a need is left unmet while
/// other holders hold that kind of quota, a recall of the token is announced once and the unmet
/// part is asked again every `recallInterval` until it is met or `recallWait` has passed (gateways
/// answer a recall by calling with releases). Releases are applied only the first time.
public struct QuotaAuthority: Sendable {
    public let store: any QuotaStore
    let tokens: any TokenStore
    let announcer: any StreamAnnouncer
    let clock: any WallClock
    /// Seconds a holder's money lease lives after its last call (`TOKEN_RUNTIME_QUOTA_LEASE_TTL`).
    public let leaseTTL: Double
    let metrics: QuotaMetrics?
    let recallInterval: Duration
    let recallWait: Duration

    public init(
        store: any QuotaStore, tokens: any TokenStore, announcer: any StreamAnnouncer, clock: any WallClock = SystemWallClock(),
        leaseTTL: Double = 30, recallInterval: Duration = .milliseconds(20), recallWait: Duration = .milliseconds(300)
    ) {
        self.init(
            store: store, tokens: tokens, announcer: announcer, clock: clock, leaseTTL: leaseTTL, metrics: nil,
            recallInterval: recallInterval, recallWait: recallWait)
    }

    init(
        store: any QuotaStore, tokens: any TokenStore, announcer: any StreamAnnouncer, clock: any WallClock, leaseTTL: Double,
        metrics: QuotaMetrics?, recallInterval: Duration = .milliseconds(20), recallWait: Duration = .milliseconds(300)
    ) {
        self.store = store
        self.tokens = tokens
        self.announcer = announcer
        self.clock = clock
        self.leaseTTL = leaseTTL
        self.metrics = metrics
        self.recallInterval = recallInterval
        self.recallWait = recallWait
    }

    /// Answers one call; throws ``QuotaError`` for a refused call, the stores' errors when they fail.
    public func lease(_ request: QuotaLeaseRequest) async throws -> QuotaLeaseGrant {
        if let problem = Self.problem(in: request) { throw QuotaError.invalidRequest(problem) }
        guard let record = try await tokens.record(id: request.tokenID) else { throw QuotaError.unknownToken }
        let now = clock.now()
        let status = record.status(at: now)
        guard status == .active else { throw QuotaError.inactive(status) }

        let terms = QuotaTerms(policy: record.policy, leaseTTL: leaseTTL, now: now)
        // A token with neither a budget nor a per-minute limit has nothing to keep: no store call.
        guard terms.budget != nil || terms.rateLimitRPM != nil else {
            metrics?.answered(request, short: false)
            return QuotaDecision(request: request, terms: terms, book: QuotaBook()).grant
        }
        var decision = try await store.apply(request, terms: terms)
        if decision.recallCouldHelp {
            await announcer.announce(.recall(QuotaRecallEvent(jti: request.tokenID)))
            metrics?.recalls.increment()
            decision = try await retryAfterRecall(request, policy: record.policy, first: decision)
        }
        metrics?.answered(request, short: decision.moneyShort || decision.requestsShort)
        return decision.grant
    }

    /// Asks again for the unmet parts (no releases) until they are met or the wait is over; the
    /// answer's counts are the last call's, its grants the sum of every call's.
    func retryAfterRecall(_ request: QuotaLeaseRequest, policy: TokenPolicy, first: QuotaDecision) async throws -> QuotaDecision {
        var decision = first
        var grantedMoney = first.grantedNanoUSD
        var grantedRequests = first.grantedRequests
        var moneyShort = first.moneyShort
        var requestsShort = first.requestsShort
        let deadline = ContinuousClock.now + recallWait
        while moneyShort || requestsShort, ContinuousClock.now + recallInterval <= deadline {
            try await Task.sleep(for: recallInterval)
            var again = QuotaLeaseRequest(tokenID: request.tokenID, holder: request.holder)
            if moneyShort {
                again.needNanoUSD = request.needNanoUSD
                again.wantNanoUSD = request.wantNanoUSD
            }
            if requestsShort {
                again.needRequests = request.needRequests
                again.wantRequests = request.wantRequests
            }
            decision = try await store.apply(again, terms: QuotaTerms(policy: policy, leaseTTL: leaseTTL, now: clock.now()))
            grantedMoney += decision.grantedNanoUSD
            grantedRequests += decision.grantedRequests
            moneyShort = moneyShort && decision.moneyShort
            requestsShort = requestsShort && decision.requestsShort
        }
        decision.grantedNanoUSD = grantedMoney
        decision.grantedRequests = grantedRequests
        decision.moneyShort = moneyShort
        decision.requestsShort = requestsShort
        decision.grant.grantedNanoUSD = grantedMoney
        decision.grant.grantedRequests = grantedRequests
        return decision
    }

    /// Why a call is malformed, or nil.
    static func problem(in request: QuotaLeaseRequest) -> String? {
        if request.tokenID.isEmpty { return "token_id must not be empty" }
        if request.holder.isEmpty { return "holder must not be empty" }
        let money: [(String, Int64)] = [
            ("need_nano_usd", request.needNanoUSD), ("want_nano_usd", request.wantNanoUSD), ("release_nano_usd", request.releaseNanoUSD),
        ]
        for (name, value) in money where value < 0 { return "\(name) must not be negative" }
        let requests = [
            ("need_requests", request.needRequests), ("want_requests", request.wantRequests), ("release_requests", request.releaseRequests),
        ]
        for (name, value) in requests where value < 0 { return "\(name) must not be negative" }
        if request.wantNanoUSD < request.needNanoUSD { return "want_nano_usd must not be below need_nano_usd" }
        if request.wantRequests < request.needRequests { return "want_requests must not be below need_requests" }
        return nil
    }
}
