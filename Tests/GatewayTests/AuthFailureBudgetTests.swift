import Logging
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
import TokenRuntime

@testable import Gateway

/// The per-address budget of failed authentications, on an injected clock.
@Suite struct AuthFailureBudgetTests {
    @Test func anAddressIsRefusedOnlyAfterItsBudgetAndOnlyItself() {
        let clock = ManualWallClock()
        let budget = AuthFailureBudget(failuresPerMinute: 120, clock: clock)
        for attempt in 0..<120 {
            #expect(budget.retryAfter("192.0.2.1") == nil, "refused before failure \(attempt + 1)")
            budget.charge("192.0.2.1", reason: "unknown")
        }
        // 120 failures spent the bucket: one more token comes after 60/120 s.
        let wait = budget.retryAfter("192.0.2.1")
        #expect(wait.map { abs($0 - 0.5) < 1e-9 } == true, "\(String(describing: wait))")
        #expect(budget.retryAfter("192.0.2.2") == nil)
        #expect(budget.addressesOverBudget() == 1)
        clock.advance(by: 0.5)
        #expect(budget.retryAfter("192.0.2.1") == nil)
        #expect(budget.addressesOverBudget() == 0)
    }

    /// Attempts in flight at once cannot overdraw the budget: once an address has failed, each
    /// attempt reserves a failure's worth before its check, and a success gives it back.
    @Test func concurrentAttemptsReserveTheirFailureUpFront() {
        let clock = ManualWallClock()
        let budget = AuthFailureBudget(failuresPerMinute: 3, clock: clock)
        #expect(budget.admit("192.0.2.9") == .unreserved, "an address that never failed is not tracked")
        budget.settle("192.0.2.9", .unreserved, failed: true, reason: "unknown")  // 2 left
        let inFlight = (0..<5).map { _ in budget.admit("192.0.2.9") }
        #expect(inFlight.filter { $0 == .reserved }.count == 2)
        #expect(inFlight.filter { if case .refused = $0 { true } else { false } }.count == 3)
        budget.settle("192.0.2.9", .reserved, failed: false, reason: "")  // a valid token: given back
        budget.settle("192.0.2.9", .reserved, failed: true, reason: "unknown")  // already taken: not charged again
        #expect(budget.admit("192.0.2.9") == .reserved)
        #expect(budget.admit("192.0.2.9") != .reserved)
    }

    @Test func refilledAddressesAreForgottenBySweep() {
        let clock = ManualWallClock()
        let budget = AuthFailureBudget(failuresPerMinute: 60, clock: clock)
        budget.charge("192.0.2.1", reason: "unknown")
        for _ in 0..<10 { budget.charge("192.0.2.2", reason: "revoked") }
        #expect(budget.trackedAddresses == 2)
        clock.advance(by: 1)  // one token back: 192.0.2.1 is full again, 192.0.2.2 is not
        #expect(budget.sweep() == 1)
        #expect(budget.trackedAddresses == 1)
        clock.advance(by: 9)
        #expect(budget.sweep() == 1)
        #expect(budget.trackedAddresses == 0)
    }

    @Test func theTableIsBoundedByForgettingTheLeastRecentlyFailed() {
        let clock = ManualWallClock()
        let budget = AuthFailureBudget(failuresPerMinute: 1, maxAddresses: 3, clock: clock)
        for address in ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"] {
            budget.charge(address, reason: "unknown")
        }
        #expect(budget.trackedAddresses == 3)
        #expect(budget.retryAfter("198.51.100.1") == nil, "the oldest address was forgotten")
        #expect(budget.retryAfter("198.51.100.4") != nil)
    }

    @Test func tokenBucketRefillsContinuouslyUpToItsCapacity() {
        var bucket = TokenBucket(capacity: 2, perSecond: 4, now: 100)
        let taken = [bucket.take(now: 100), bucket.take(now: 100), bucket.take(now: 100)]
        #expect(taken == [true, true, false])
        #expect(bucket.secondsUntilOne(now: 100) == 0.25)
        let later = bucket.take(now: 100.25)
        #expect(later)
        bucket.charge(now: 100.25)  // a charge never goes below zero
        #expect(bucket.level == 0)
        #expect(bucket.isFull(now: 100.75))
        bucket.refill(now: 1000)
        #expect(bucket.level == 2)
    }

    @Test func theMissRateCeilingAdmitsItsRatePerSecond() {
        let clock = ManualWallClock()
        let limit = IntrospectionRateLimit(perSecond: 5, clock: clock)
        let admitted = (0..<8).filter { _ in limit.admit() == nil }.count
        #expect(admitted == 5)
        let wait = limit.admit()
        #expect(wait.map { abs($0 - 0.2) < 1e-9 } == true, "\(String(describing: wait))")
        clock.advance(by: 0.4)
        #expect(limit.admit() == nil)
        #expect(limit.admit() == nil)
        #expect(limit.admit() != nil)
    }
}

/// `GATEWAY_TRUSTED_PROXIES` and the client address behind them.
@Suite struct TrustedProxiesTests {
    static let proxies = TrustedProxies.parse("10.0.0.0/8, 192.168.1.7 ,2001:db8::/32").0

    @Test func parsesAddressesAndBlocksAndNamesTheBadOnes() {
        #expect(Self.proxies.networks.map(\.description) == ["10.0.0.0/8", "192.168.1.7/32", "2001:db8::/32"])
        let (_, invalid) = TrustedProxies.parse("10.0.0.0/33,example.com,1.2.3.4,::1/129,")
        #expect(invalid == ["10.0.0.0/33", "example.com", "::1/129"])
    }

    @Test(arguments: [
        ("10.200.3.4", true), ("11.0.0.1", false), ("192.168.1.7", true), ("192.168.1.8", false),
        ("2001:db8:ffff::1", true), ("2001:db9::1", false), ("::ffff:10.1.2.3", true), ("not-an-ip", false),
    ])
    func trustsWhatItLists(_ address: String, _ trusted: Bool) {
        #expect(Self.proxies.trusts(address) == trusted)
    }

    @Test func aTrustedPeerForwardsTheRightMostUntrustedAddress() {
        let proxies = Self.proxies
        // The client is what the last untrusted hop says; addresses a client made up further left do not count.
        #expect(
            proxies.clientAddress(peer: "10.0.0.5", forwardedFor: "1.1.1.1, 203.0.113.9, 10.0.0.9", forwarded: nil)
                == "203.0.113.9")
        // Every hop trusted: the left-most.
        #expect(proxies.clientAddress(peer: "10.0.0.5", forwardedFor: "10.1.1.1, 10.0.0.9", forwarded: nil) == "10.1.1.1")
        // No header: the peer itself.
        #expect(proxies.clientAddress(peer: "10.0.0.5", forwardedFor: nil, forwarded: nil) == "10.0.0.5")
        // Garbage in the header stops the walk.
        #expect(proxies.clientAddress(peer: "10.0.0.5", forwardedFor: "203.0.113.9, garbage", forwarded: nil) == "10.0.0.5")
        // RFC 7239 Forwarded, with quotes, brackets and ports.
        #expect(
            proxies.clientAddress(
                peer: "10.0.0.5", forwardedFor: nil, forwarded: #"for=192.0.2.43:4711;proto=https, for="[2001:db8:cafe::17]:4711""#)
                == "192.0.2.43", "2001:db8:cafe::17 is inside the trusted 2001:db8::/32")
        #expect(
            proxies.clientAddress(peer: "10.0.0.5", forwardedFor: nil, forwarded: #"for="[2001:dead::17]:4711""#) == "2001:dead::17")
    }

    @Test func anInvalidListNamesItsVariable() {
        var env = EnvironmentReader(["GATEWAY_TRUSTED_PROXIES": "10.0.0.0/8,bogus"])
        let proxies = TrustedProxies.load("GATEWAY_TRUSTED_PROXIES", from: &env)
        #expect(env.errors.map(\.variable) == ["GATEWAY_TRUSTED_PROXIES"])
        #expect(env.errors.first?.message.contains("\"bogus\"") == true)
        #expect(proxies.networks.count == 1)
    }

    @Test func anUntrustedPeerIsTheClientWhateverItForwards() {
        #expect(Self.proxies.clientAddress(peer: "203.0.113.50", forwardedFor: "1.2.3.4", forwarded: "for=5.6.7.8") == "203.0.113.50")
        #expect(TrustedProxies().clientAddress(peer: "10.0.0.5", forwardedFor: "1.2.3.4", forwarded: nil) == "10.0.0.5")
    }
}
