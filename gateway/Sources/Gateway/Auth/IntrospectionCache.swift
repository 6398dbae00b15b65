import Synchronization
import TokenProtocol
import ServiceSupport

/// Introspection answers by token digest, each kept for a time that depends on the answer
/// (active 30 s, expired 2 min, revoked 10 min, unknown 2 min by default), never past an active
/// token's own `exp`. Active and inactive answers live in separate LRU tables, so forged
/// well-formed tokens cannot evict active entries. Concurrent misses for one digest share one
/// introspection call (single flight); a failed call is shared only with its waiters and never cached.
///
/// All state sits behind one `Mutex`: a hit is a hash lookup and a relink inside a short
/// critical section, with no actor hop and no allocation.
public final class IntrospectionCache: Sendable {
    /// What one introspection call produced.
    public enum FetchResult: Sendable {
        case answer(IntrospectionResponse)
        case failed(TokenVerdict.UnavailableReason)
    }

    struct Entry {
        var verdict: TokenVerdict
        var deadline: Double
    }

    /// Counters, read by metrics and `hitRate`.
    public struct Statistics: Sendable, Equatable {
        public var hits: UInt64 = 0
        public var misses: UInt64 = 0
        public var capacityEvictions: UInt64 = 0
        public var expiredEvictions: UInt64 = 0
        public var entries: Int = 0
        public var inflight: Int = 0

        /// hits / lookups, 0 when there were none.
        public var hitRate: Double {
            let lookups = hits + misses
            return lookups == 0 ? 0 : Double(hits) / Double(lookups)
        }
    }

    struct State {
        var active: LRUTable<TokenDigest, Entry>
        var inactive: LRUTable<TokenDigest, Entry>
        var inflight: [TokenDigest: Task<TokenVerdict, Never>] = [:]
        /// Calls in flight whose answer may predate a change to the token (``evictActive(_:)``):
        /// their answer is used once, not cached.
        var stale: Set<TokenDigest> = []
        var statistics = Statistics()
    }

    public let config: TokenCacheConfig
    let clock: any WallClock
    private let state: Mutex<State>

    public init(config: TokenCacheConfig = TokenCacheConfig(), clock: any WallClock = SystemWallClock()) {
        self.config = config
        self.clock = clock
        state = Mutex(
            State(
                active: LRUTable(capacity: config.maxEntries),
                inactive: LRUTable(capacity: config.maxInactiveEntries)))
    }

    /// The cached verdict for `digest` if it is still fresh; counts a hit or a miss.
    public func lookup(_ digest: TokenDigest) -> TokenVerdict? {
        let now = clock.now()
        return state.withLock { state in Self.lookup(digest, now: now, in: &state) }
    }

    /// Like ``lookup(_:)`` but a miss is not counted: for callers that go on to
    /// ``resolve(_:fetch:)``, which counts it. Spares a hit the allocation of `resolve`'s escaping closure.
    public func cachedVerdict(_ digest: TokenDigest) -> TokenVerdict? {
        let now = clock.now()
        return state.withLock { state in Self.hit(digest, now: now, in: &state) }
    }

    /// The verdict for `digest`: from the cache, from a call already in flight, or from a new call
    /// to `fetch` (whose answer is then cached). Past `maxInflight` concurrent calls a miss is
    /// answered `.unavailable(.overloaded)` at once.
    public func resolve(_ digest: TokenDigest, fetch: @escaping @Sendable () async -> FetchResult) async -> TokenVerdict {
        let now = clock.now()
        enum Step {
            case done(TokenVerdict)
            case wait(Task<TokenVerdict, Never>)
        }
        let step: Step = state.withLock { state in
            if let verdict = Self.lookup(digest, now: now, in: &state) { return .done(verdict) }
            if let flight = state.inflight[digest] { return .wait(flight) }
            guard state.inflight.count < config.maxInflight else { return .done(.unavailable(.overloaded)) }
            let flight = Task { [self] in
                let result = await fetch()
                return self.complete(digest, with: result)
            }
            state.inflight[digest] = flight
            state.statistics.inflight = state.inflight.count
            return .wait(flight)
        }
        switch step {
        case .done(let verdict): return verdict
        case .wait(let flight): return await flight.value
        }
    }

    /// Caches an introspection answer for `digest` and returns its verdict.
    @discardableResult
    public func store(_ digest: TokenDigest, _ response: IntrospectionResponse) -> TokenVerdict {
        let now = clock.now()
        return state.withLock { state in insert(digest, TokenVerdict(response), now: now, into: &state) }
    }

    /// Removes every entry whose time is up; returns how many.
    @discardableResult
    public func sweep() -> Int {
        let now = clock.now()
        return state.withLock { state in
            let removed = state.active.removeAll { $0.deadline <= now } + state.inactive.removeAll { $0.deadline <= now }
            state.statistics.expiredEvictions += UInt64(removed)
            state.statistics.entries = state.active.count + state.inactive.count
            return removed
        }
    }

    /// Marks the entry for `digest` revoked (a pushed revocation): cached for the revoked TTL.
    public func markRevoked(_ digest: TokenDigest) {
        let now = clock.now()
        state.withLock { state in _ = insert(digest, .inactive(.revoked), now: now, into: &state) }
    }

    /// Drops the active entry for `digest` (its claims changed: the next request introspects again).
    /// A revoked entry stays.
    /// A call already in flight may have been answered before the change: its answer is not cached.
    public func evictActive(_ digest: TokenDigest) {
        state.withLock { state in
            if state.active.remove(digest) != nil { state.statistics.entries = state.active.count + state.inactive.count }
            if state.inflight[digest] != nil { state.stale.insert(digest) }
        }
    }

    /// Drops every active entry (the event stream lost events); returns how many.
    @discardableResult
    public func dropActiveEntries() -> Int {
        state.withLock { state in
            let removed = state.active.removeAll { _ in true }
            state.statistics.entries = state.active.count + state.inactive.count
            return removed
        }
    }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// hits / lookups, 0 when there were none.
    public func hitRate() -> Double { statistics.hitRate }

    // MARK: - inside the lock

    private static func lookup(_ digest: TokenDigest, now: Double, in state: inout State) -> TokenVerdict? {
        if let verdict = hit(digest, now: now, in: &state) { return verdict }
        state.statistics.misses += 1
        return nil
    }

    /// A fresh entry's verdict, counted as a hit; an expired entry is dropped; a miss is not counted.
    private static func hit(_ digest: TokenDigest, now: Double, in state: inout State) -> TokenVerdict? {
        guard let entry = state.active.get(digest) ?? state.inactive.get(digest) else { return nil }
        if entry.deadline > now {
            state.statistics.hits += 1
            return entry.verdict
        }
        if state.active.remove(digest) == nil { state.inactive.remove(digest) }
        state.statistics.expiredEvictions += 1
        state.statistics.entries -= 1
        return nil
    }

    private func complete(_ digest: TokenDigest, with result: FetchResult) -> TokenVerdict {
        let now = clock.now()
        return state.withLock { state in
            state.inflight[digest] = nil
            state.statistics.inflight = state.inflight.count
            switch result {
            case .failed(let reason):
                state.stale.remove(digest)
                return .unavailable(reason)
            case .answer(let response):
                if state.stale.remove(digest) != nil { return TokenVerdict(response) }
                return insert(digest, TokenVerdict(response), now: now, into: &state)
            }
        }
    }

    /// Stores `verdict` and returns what the cache now says for `digest`. Revocation is final: an
    /// active answer that raced with a pushed revocation does not replace the revoked entry.
    private func insert(_ digest: TokenDigest, _ verdict: TokenVerdict, now: Double, into state: inout State) -> TokenVerdict {
        let deadline: Double
        switch verdict {
        case .active(let claims):
            if let known = state.inactive.peek(digest), known.verdict == .inactive(.revoked) { return known.verdict }
            var ttl = config.ttl(for: .active)
            if let exp = claims.exp { ttl = min(ttl, Double(exp) - now) }
            guard ttl > 0 else { return verdict }  // already past exp by our clock: do not cache
            deadline = now + ttl
            state.inactive.remove(digest)
            if state.active.set(digest, Entry(verdict: verdict, deadline: deadline)) != nil {
                state.statistics.capacityEvictions += 1
            }
        case .inactive(let status):
            deadline = now + config.ttl(for: status)
            state.active.remove(digest)
            if state.inactive.set(digest, Entry(verdict: verdict, deadline: deadline)) != nil {
                state.statistics.capacityEvictions += 1
            }
        case .unavailable:
            return verdict
        }
        state.statistics.entries = state.active.count + state.inactive.count
        return verdict
    }
}
