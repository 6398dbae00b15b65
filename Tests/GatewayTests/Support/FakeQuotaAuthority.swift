import ServiceSupport
import Synchronization
import TokenProtocol

@testable import Gateway

/// The quota authority at its seam, with the runtime's documented rules in a few lines: grants are
/// all of `need` or nothing, at most `want`, capped at a quarter of what is available; a holder's
/// releases come back first; requests per fixed minute. A recall asks every other registered
/// holder to hand back what it does not need before the grant is decided. Spend is what tests
/// `settle` by hand (the ledger's part).
final class FakeQuotaAuthority: QuotaAuthorityClient {
    struct State {
        var budget: Int64?
        var spent: Int64 = 0
        var leases: [String: Int64] = [:]
        var rpm: Int?
        var window: Int64 = 0
        var granted: [String: Int] = [:]
        var calls = 0
        var down = false
        var holders: [QuotaLeases] = []
    }

    let state: Mutex<State>
    let clock: any WallClock
    let ttl: Double

    init(budget: Int64?, rpm: Int? = nil, clock: any WallClock, ttl: Double = 30) {
        state = Mutex(State(budget: budget, rpm: rpm))
        self.clock = clock
        self.ttl = ttl
    }

    func register(_ leases: QuotaLeases) { state.withLock { $0.holders.append(leases) } }
    var calls: Int { state.withLock { $0.calls } }
    var spent: Int64 { state.withLock { $0.spent } }
    var leased: Int64 { state.withLock { $0.leases.values.reduce(0, +) } }
    func setDown(_ down: Bool) { state.withLock { $0.down = down } }
    func setBudget(_ budget: Int64?) { state.withLock { $0.budget = budget } }
    /// The ledger's part: a request's cost moves from its holder's lease to the spend.
    func settle(holder: String, cost: Int64) {
        state.withLock { state in
            state.spent += cost
            state.leases[holder] = max(0, (state.leases[holder] ?? 0) - cost)
        }
    }

    func lease(_ request: QuotaLeaseRequest) async throws -> QuotaLeaseGrant {
        if state.withLock({ $0.down }) { throw QuotaAuthorityError.status(503) }
        var grant = decide(request)
        if grant.grantedNanoUSD == 0, request.needNanoUSD > 0 || (grant.grantedRequests == 0 && request.needRequests > 0) {
            let others = state.withLock { $0.holders }.filter { $0.holder != request.holder }
            guard !others.isEmpty else { return grant }
            for other in others { await other.release(request.tokenID) }
            var retry = request
            retry.releaseNanoUSD = 0
            retry.releaseRequests = 0
            grant = decide(retry)
        }
        return grant
    }

    private func decide(_ request: QuotaLeaseRequest) -> QuotaLeaseGrant {
        let now = clock.now()
        let window = Int64(now / 60) * 60
        return state.withLock { state in
            state.calls += 1
            if window != state.window {
                state.window = window
                state.granted = [:]
            }
            var lease = max(0, (state.leases[request.holder] ?? 0) - request.releaseNanoUSD)
            if request.releaseWindowStart == window {
                state.granted[request.holder] = max(0, (state.granted[request.holder] ?? 0) - request.releaseRequests)
            }
            state.leases[request.holder] = lease
            var granted: Int64 = 0
            var available: Int64 = 0
            if let budget = state.budget {
                available = budget - state.spent - state.leases.values.reduce(0, +)
                if request.needNanoUSD > 0, available >= request.needNanoUSD {
                    granted = min(request.wantNanoUSD, max(request.needNanoUSD, available / 4))
                    lease += granted
                    available -= granted
                    state.leases[request.holder] = lease
                }
            }
            var grantedRequests = 0
            var requestsAvailable = 0
            if let rpm = state.rpm {
                requestsAvailable = rpm - state.granted.values.reduce(0, +)
                if request.needRequests > 0, requestsAvailable >= request.needRequests {
                    grantedRequests = min(request.wantRequests, max(request.needRequests, requestsAvailable / 4))
                    state.granted[request.holder, default: 0] += grantedRequests
                    requestsAvailable -= grantedRequests
                }
            } else {
                grantedRequests = request.wantRequests
            }
            return QuotaLeaseGrant(
                grantedNanoUSD: granted, leaseNanoUSD: lease, maxBudgetNanoUSD: state.budget,
                budgetPeriod: state.budget == nil ? nil : .total, spentNanoUSD: state.spent,
                leasedNanoUSD: state.leases.values.reduce(0, +), availableNanoUSD: available, leaseTTLSeconds: ttl,
                grantedRequests: grantedRequests, rateLimitRPM: state.rpm, requestsAvailable: requestsAvailable,
                windowStart: window, windowEndsIn: Double(window + 60) - now)
        }
    }
}
