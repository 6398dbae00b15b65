import CoreMetrics
import Foundation
import Logging
import Prometheus
import ServiceSupport
import TokenProtocol

/// This gateway's slices of each token's quota, leased from the ``QuotaAuthorityClient``
/// (platform-token-runtime), which counts every replica's leases against what remains: money of a
/// token's budget, and requests of its current requests-per-minute window.
///
/// A request spends the lease locally, with no network call: ``reserve(_:nanoUSD:)`` takes its
/// worst-case cost from the money held, ``settle(_:reserved:cost:)`` gives back what the answer did
/// not use. When the lease cannot pay, one call per token asks the authority for more (others wait
/// for that call, then try again): the least that is useful (`need`) and that plus a prefetch
/// (`want`). The authority grants all of `need` or nothing, so a refusal means the budget cannot
/// pay this request's worst case even after other holders handed back what they do not need.
///
/// Leases go back when they are not needed: on a `recall` event, on an `updated` event, and after
/// a second without use (``maintain()``, run every second, which also renews leases in use before
/// the authority lets them lapse). A lease lapses locally at three quarters of its TTL without a
/// renewal, so the gateway stops spending it before the authority reclaims it.
///
/// Faults: when the authority cannot be reached, budgeted requests are served only from the money
/// already held and then refused (``Refusal/authorityUnavailable``: fail closed). Requests-per-minute
/// admissions fail open instead (the caller falls back to this replica's own limiter).
public actor QuotaLeases {
    public enum Refusal: Error, Sendable, Equatable {
        /// The budget cannot pay the request's worst case: `available` is what this gateway could
        /// still have had (its lease and the unleased rest), `periodEnd` when the period renews.
        case insufficientBudget(available: Int64, periodEnd: Int64?)
        /// No request of the token's limit left in this minute.
        case requestsExhausted(retryAfter: Double)
        /// The authority could not be asked and the lease held does not cover the request.
        case authorityUnavailable
        /// The authority no longer knows the token as active.
        case tokenInactive
    }

    /// Money taken from a lease for one request, given back by ``settle(_:_:cost:)``.
    public struct Reservation: Sendable, Equatable {
        public var nanoUSD: Int64
        let epoch: Int
    }

    /// An admitted request: what the `x-ratelimit-*-requests` headers report.
    public struct Admission: Sendable, Equatable {
        public var limit: Int
        /// Requests this gateway holds plus those the authority had not leased at its last answer.
        public var remaining: Int
        public var resetSeconds: Double
    }

    enum Outcome: Equatable {
        case granted
        case refused(available: Int64, periodEnd: Int64?, at: Double)
        case failed(Refusal, at: Double)
        /// The authority says the token has no budget (it was removed): requests pass unreserved.
        case unbudgeted(at: Double)
    }

    struct Entry {
        var balance: Int64 = 0
        var reserved: Int64 = 0
        var moneyValidUntil: Double = 0
        var periodEnd: Int64?
        var moneyRefill: Task<Void, Never>?
        var money: Outcome = .granted
        var requests = 0
        var requestsValidUntil: Double = 0
        var requestsWindow: Int64 = 0
        var requestsAvailable = 0
        var requestsRefill: Task<Void, Never>?
        var requestsRefusedUntil: Double = 0
        /// When a refused request may try again (the end of the minute).
        var requestsRetryAt: Double = 0
        var requestsFailedAt: Double?
        var waitingRequests = 0
        var lastUse: Double
        var lastCall: Double = 0
        /// Reservations since the last money call, and when it was: this gateway's pace for the token.
        var reservationsSinceRefill = 0
        var lastRefill: Double = 0
        var leaseTTL: Double = 30

        /// Counts the leases this entry has held: a lease that lapsed or whose period ended is void,
        /// and a request reserved from it gives nothing back to the next one.
        var epoch = 0
        var void = true

        init(now: Double) { lastUse = now }

        mutating func expire(now: Double) {
            if !void, moneyValidUntil <= now || periodEnd.map({ Double($0) <= now }) == true {
                balance = min(balance, 0)
                epoch += 1
                void = true
            }
            if requestsValidUntil <= now { requests = 0 }
        }

        var idle: Bool { reserved == 0 && balance <= 0 && requests == 0 && moneyRefill == nil && requestsRefill == nil }
    }

    let authority: any QuotaAuthorityClient
    /// This process's name at the authority (random per start).
    public nonisolated let holder: String
    let clock: any WallClock
    let logger: Logger
    /// A refusal from the authority is trusted this long before asking again (an `updated` event clears it).
    let refusalMemory: Double = 1
    /// Unused leases go back after this long without use.
    let idleRelease: Double = 1
    private var entries: [String: Entry] = [:]
    private let calls: CoreMetrics.Counter
    private let failures: CoreMetrics.Counter

    public init(
        authority: any QuotaAuthorityClient, holder: String = QuotaLeases.newHolder(), clock: any WallClock = SystemWallClock(),
        logger: Logger, metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.authority = authority
        self.holder = holder
        self.clock = clock
        self.logger = logger
        let factory = metricsFactory ?? MetricsSystem.factory
        calls = CoreMetrics.Counter(label: "gateway_quota_calls_total", factory: factory)
        failures = CoreMetrics.Counter(label: "gateway_quota_call_failures_total", factory: factory)
    }

    public static func newHolder() -> String {
        "gw-" + String(UInt64.random(in: 1 ... .max), radix: 36)
    }

    // MARK: - money

    /// Takes `amount` (a request's worst-case cost) from the token's lease, asking the authority for
    /// more when the lease cannot pay. Nil when the token turned out to have no budget (nothing
    /// reserved).
    public func reserve(_ tokenID: String, nanoUSD amount: Int64) async throws(Refusal) -> Reservation? {
        var asks = 0
        while true {
            let now = clock.now()
            var entry = entries[tokenID] ?? Entry(now: now)
            entry.expire(now: now)
            if entry.balance >= amount {
                entry.balance -= amount
                entry.reserved += amount
                entry.reservationsSinceRefill += 1
                entry.lastUse = now
                entries[tokenID] = entry
                return Reservation(nanoUSD: amount, epoch: entry.epoch)
            }
            entries[tokenID] = entry
            if let refill = entry.moneyRefill {
                await refill.value
                continue
            }
            // What the authority answered last is trusted for a moment (an `updated` event clears it).
            switch entry.money {
            case .unbudgeted(let at) where now - at < refusalMemory:
                return nil
            case .refused(let available, let periodEnd, let at) where now - at < refusalMemory && amount - entry.balance > available:
                throw .insufficientBudget(available: max(0, entry.balance) + available, periodEnd: periodEnd)
            case .failed(let refusal, let at) where now - at < refusalMemory:
                throw refusal
            default:
                break
            }
            // Others may take what a call brought before this request resumes; a third try gives up.
            guard asks < 3 else { throw .insufficientBudget(available: max(0, entry.balance), periodEnd: entry.periodEnd) }
            asks += 1
            let need = amount - entry.balance
            let want = need + amount * Int64(Self.prefetch(entry, now: now))
            entries[tokenID]?.reservationsSinceRefill = 0
            entries[tokenID]?.lastRefill = now
            let refill = Task { await self.refillMoney(tokenID, need: need, want: want) }
            entries[tokenID]?.moneyRefill = refill
            await refill.value
        }
    }

    /// How many more requests' worst case to ask for beyond the need: what this gateway spent for
    /// the token in about two seconds at its pace since the last call (4 to 1,024). The runtime
    /// grants at most a quarter of what remains, and unused money goes back after a second idle or
    /// on a recall, so a large ask costs other gateways nothing they need.
    static func prefetch(_ entry: Entry, now: Double) -> Int {
        let elapsed = max(0.05, now - entry.lastRefill)
        let pace = Double(entry.reservationsSinceRefill) / elapsed
        return min(1_024, max(4, Int((pace * 2).rounded(.up))))
    }

    /// Gives back what a reserved request did not cost (`cost` may exceed the reservation only when
    /// the provider answered past the request's own bounds; the lease then pays the difference).
    /// Nothing comes back into a later lease than the one the reservation was taken from.
    public func settle(_ tokenID: String, _ reservation: Reservation, cost: Int64) {
        let now = clock.now()
        guard var entry = entries[tokenID] else { return }
        entry.reserved -= reservation.nanoUSD
        entry.expire(now: now)
        if entry.epoch == reservation.epoch { entry.balance += reservation.nanoUSD - cost }
        entry.lastUse = now
        entries[tokenID] = entry
    }

    private func refillMoney(_ tokenID: String, need: Int64, want: Int64) async {
        let started = clock.now()
        let result = await call(QuotaLeaseRequest(tokenID: tokenID, holder: holder, needNanoUSD: need, wantNanoUSD: want))
        var entry = entries[tokenID] ?? Entry(now: started)
        entry.moneyRefill = nil
        switch result {
        case .success(let grant):
            entry.apply(grant, at: started)
            if grant.maxBudgetNanoUSD == nil {
                entry.money = .unbudgeted(at: started)
            } else if grant.grantedNanoUSD >= need {
                entry.balance += grant.grantedNanoUSD
                entry.money = .granted
            } else {
                entry.balance += grant.grantedNanoUSD
                entry.money = .refused(available: grant.availableNanoUSD, periodEnd: grant.periodEnd, at: started)
            }
        case .failure(let refusal):
            entry.money = .failed(refusal, at: started)
        }
        entries[tokenID] = entry
    }

    // MARK: - requests per minute

    /// Admits one request against the token's requests-per-minute `limit`, from the requests this
    /// gateway holds for the current minute or a new slice of them. Nil when the authority could not
    /// be asked (the caller falls back to its own limiter).
    public func admit(_ tokenID: String, limit: Int) async throws(Refusal) -> Admission? {
        var asks = 0
        while true {
            let now = clock.now()
            var entry = entries[tokenID] ?? Entry(now: now)
            entry.expire(now: now)
            if entry.requests > 0 {
                entry.requests -= 1
                entry.lastUse = now
                entries[tokenID] = entry
                return Admission(
                    limit: limit, remaining: min(limit, entry.requests + entry.requestsAvailable),
                    resetSeconds: max(0, entry.requestsValidUntil - now))
            }
            entries[tokenID] = entry
            if let refill = entry.requestsRefill {
                entries[tokenID]?.waitingRequests += 1
                await refill.value
                entries[tokenID]?.waitingRequests -= 1
                continue
            }
            if entry.requestsRefusedUntil > now {
                throw .requestsExhausted(retryAfter: max(0.001, entry.requestsRetryAt - now))
            }
            if let failedAt = entry.requestsFailedAt, now - failedAt < refusalMemory { return nil }
            guard asks < 3 else { throw .requestsExhausted(retryAfter: 1) }
            asks += 1
            let want = 1 + entry.waitingRequests + max(0, limit / 16)
            let refill = Task { await self.refillRequests(tokenID, want: want) }
            entries[tokenID]?.requestsRefill = refill
            await refill.value
        }
    }

    private func refillRequests(_ tokenID: String, want: Int) async {
        let started = clock.now()
        let result = await call(QuotaLeaseRequest(tokenID: tokenID, holder: holder, needRequests: 1, wantRequests: want))
        var entry = entries[tokenID] ?? Entry(now: started)
        entry.requestsRefill = nil
        switch result {
        case .success(let grant):
            entry.apply(grant, at: started)
            entry.requestsFailedAt = nil
            if grant.rateLimitRPM == nil {
                // No limit at the authority (removed): admit this minute's requests freely.
                entry.requests = Int.max / 2
            } else if grant.grantedRequests > 0 {
                entry.requests += grant.grantedRequests
            } else {
                entry.requestsRefusedUntil = started + min(refusalMemory, grant.windowEndsIn)
                entry.requestsRetryAt = started + grant.windowEndsIn
            }
        case .failure(let refusal):
            if refusal == .tokenInactive {
                entry.requestsRefusedUntil = started + refusalMemory
                entry.requestsRetryAt = started + refusalMemory
            } else {
                entry.requestsFailedAt = started
            }
        }
        entries[tokenID] = entry
    }

    // MARK: - giving back

    /// Hands back everything of the token's leases not reserved by a request in flight (a `recall`),
    /// and with `forget` also drops what the gateway remembers of refusals (an `updated` event: the
    /// token's budget or limits changed, so the next request asks again).
    public func release(_ tokenID: String, forget: Bool = false) async {
        let now = clock.now()
        guard var entry = entries[tokenID] else { return }
        entry.expire(now: now)
        let money = max(0, entry.balance)
        let requests = entry.requests < Int.max / 4 ? entry.requests : 0
        entry.balance -= money
        entry.requests = 0
        if forget {
            entry.money = .granted
            entry.requestsRefusedUntil = 0
            if entry.requestsValidUntil > now, requests == 0 { entry.requestsValidUntil = 0 }
        }
        let window = entry.requestsWindow
        entries[tokenID] = entry
        guard money > 0 || requests > 0 else { return }
        let result = await call(
            QuotaLeaseRequest(
                tokenID: tokenID, holder: holder, releaseNanoUSD: money, releaseRequests: requests,
                releaseWindowStart: requests > 0 ? window : nil))
        if case .success(let grant) = result { entries[tokenID]?.apply(grant, at: now) }
    }

    /// Every second: hands back leases unused for ``idleRelease``, renews leases in use at a third
    /// of their TTL, and forgets tokens idle for a minute.
    public func maintain() async {
        let now = clock.now()
        var idle: [String] = []
        var renew: [String] = []
        for (tokenID, var entry) in entries {
            entry.expire(now: now)
            entries[tokenID] = entry
            if entry.moneyRefill != nil || entry.requestsRefill != nil { continue }
            if (entry.balance > 0 || entry.requests > 0), entry.reserved == 0, now - entry.lastUse >= idleRelease {
                idle.append(tokenID)
            } else if entry.reserved > 0 || entry.balance > 0, now - entry.lastCall >= entry.leaseTTL / 3 {
                renew.append(tokenID)
            } else if entry.idle, now - entry.lastUse > 60 {
                entries[tokenID] = nil
            }
        }
        for tokenID in idle { await release(tokenID) }
        for tokenID in renew {
            let started = clock.now()
            if case .success(let grant) = await call(QuotaLeaseRequest(tokenID: tokenID, holder: holder)) {
                entries[tokenID]?.apply(grant, at: started)
            }
        }
    }

    /// The authority's latest answer for a token (what `GET /v1/usage` reports), asking it now.
    public func status(_ tokenID: String) async -> QuotaLeaseGrant? {
        let started = clock.now()
        guard case .success(let grant) = await call(QuotaLeaseRequest(tokenID: tokenID, holder: holder)) else { return nil }
        if entries[tokenID] != nil { entries[tokenID]?.apply(grant, at: started) }
        return grant
    }

    /// Money this gateway holds for a token, unreserved and reserved (for tests and metrics).
    public func held(_ tokenID: String) -> (balance: Int64, reserved: Int64, requests: Int) {
        guard let entry = entries[tokenID] else { return (0, 0, 0) }
        return (entry.balance, entry.reserved, entry.requests)
    }

    private func call(_ request: QuotaLeaseRequest) async -> Result<QuotaLeaseGrant, Refusal> {
        calls.increment()
        do {
            return .success(try await authority.lease(request))
        } catch QuotaAuthorityError.status(let status) where status == 403 || status == 404 {
            return .failure(.tokenInactive)
        } catch {
            failures.increment()
            logger.warning("quota authority call failed", metadata: ["token.id": "\(request.tokenID)", "error": "\(error)"])
            return .failure(.authorityUnavailable)
        }
    }
}

extension QuotaLeases.Entry {
    /// What every answer tells: the lease's life, the period, the requests window.
    mutating func apply(_ grant: QuotaLeaseGrant, at started: Double) {
        lastCall = started
        if void, grant.maxBudgetNanoUSD != nil {
            void = false
        }
        leaseTTL = grant.leaseTTLSeconds
        moneyValidUntil = started + grant.leaseTTLSeconds * 0.75
        periodEnd = grant.periodEnd
        if grant.windowStart != requestsWindow {
            requestsWindow = grant.windowStart
            requests = 0
        }
        requestsValidUntil = started + grant.windowEndsIn
        requestsAvailable = grant.requestsAvailable
    }
}
