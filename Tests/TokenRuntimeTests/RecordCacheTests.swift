import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

/// The Postgres store's memory layer on its own, with instants chosen by the test.
@Suite struct RecordCacheTests {
    let t0 = ContinuousClock.now

    func record(_ name: String, revoked: Bool = false) -> TokenRecord {
        TokenRecord(
            id: "tok_\(name)", digest: TokenDigest(token: name), subject: name, issuedAt: 0, expiresAt: 10,
            revokedAt: revoked ? 5 : nil)
    }

    func trustedCache(capacity: Int = 100) -> RecordCache {
        var cache = RecordCache(generationCapacity: capacity, maxStaleness: .seconds(1))
        cache.trust(until: t0 + .seconds(60), now: t0)
        return cache
    }

    @Test func nothingIsServedOrStoredUntilTrusted() {
        var cache = RecordCache(generationCapacity: 10, maxStaleness: .seconds(1))
        #expect(cache.ticket(at: t0) == nil)
        cache.store(record("a"), ticket: nil)
        cache.storeOwnWrite(record("b", revoked: true), at: t0)
        #expect(cache.count == 0)
        #expect(cache.lookup(TokenDigest(token: "a"), now: t0) == nil)
    }

    @Test func anActiveEntryIsTrustedForTheStalenessBoundFromItsRead() {
        var cache = trustedCache()
        let ticket = cache.ticket(at: t0)
        cache.store(record("a"), ticket: ticket)
        #expect(cache.lookup(TokenDigest(token: "a"), now: t0 + .milliseconds(999)) == record("a"))
        #expect(cache.lookup(TokenDigest(token: "a"), now: t0 + .seconds(1)) == nil)
        #expect(cache.count == 0)
    }

    @Test func aRevokedEntryIsFinal() {
        var cache = trustedCache()
        cache.store(record("a", revoked: true), ticket: cache.ticket(at: t0))
        #expect(cache.lookup(TokenDigest(token: "a"), now: t0 + .seconds(30))?.revokedAt == 5)
    }

    @Test func aReadThatOverlappedAnInvalidationIsNotStored() {
        var cache = trustedCache()
        let ticket = cache.ticket(at: t0)
        cache.invalidate(TokenDigest(token: "a"))
        cache.store(record("a"), ticket: ticket)
        #expect(cache.lookup(TokenDigest(token: "a"), now: t0) == nil)
    }

    @Test func anOwnRevocationCannotBeOverwrittenByAnOlderRead() {
        var cache = trustedCache()
        let ticket = cache.ticket(at: t0)
        cache.storeOwnWrite(record("a", revoked: true), at: t0)
        cache.store(record("a"), ticket: ticket)
        #expect(cache.lookup(TokenDigest(token: "a"), now: t0)?.revokedAt == 5)
    }

    @Test func lapsedTrustServesNothingAndRestoredTrustStartsEmpty() {
        var cache = RecordCache(generationCapacity: 10, maxStaleness: .seconds(10))
        cache.trust(until: t0 + .seconds(2), now: t0)
        cache.store(record("a"), ticket: cache.ticket(at: t0))
        #expect(cache.lookup(TokenDigest(token: "a"), now: t0 + .seconds(1)) != nil)
        #expect(cache.lookup(TokenDigest(token: "a"), now: t0 + .seconds(3)) == nil)
        cache.trust(until: t0 + .seconds(20), now: t0 + .seconds(3))
        #expect(cache.count == 0)
        // Extending trust that has not lapsed keeps the entries.
        cache.store(record("b"), ticket: cache.ticket(at: t0 + .seconds(3)))
        cache.trust(until: t0 + .seconds(30), now: t0 + .seconds(4))
        #expect(cache.lookup(TokenDigest(token: "b"), now: t0 + .seconds(4)) != nil)
        cache.distrust()
        #expect(cache.count == 0)
    }

    @Test func theBoundIsTwoGenerationsAndHitsAreKept() {
        var cache = trustedCache(capacity: 3)
        // "d" starts a new generation: a, b, c become the old one.
        for name in ["a", "b", "c", "d"] { cache.store(record(name), ticket: cache.ticket(at: t0)) }
        // A hit in the old generation moves "a" to the young one, so it survives the next turn.
        #expect(cache.lookup(TokenDigest(token: "a"), now: t0) != nil)
        for name in ["e", "f", "g"] { cache.store(record(name), ticket: cache.ticket(at: t0)) }
        #expect(cache.count <= 6)
        #expect(cache.lookup(TokenDigest(token: "b"), now: t0) == nil)
        #expect(cache.lookup(TokenDigest(token: "a"), now: t0) != nil)
        #expect(cache.lookup(TokenDigest(token: "g"), now: t0) != nil)
    }
}
