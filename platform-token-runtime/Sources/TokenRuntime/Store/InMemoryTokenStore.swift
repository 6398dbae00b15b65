import Synchronization
import ServiceSupport
import TokenProtocol

/// The default store: every record in memory, found by digest or id in O(1).
///
/// A digest lookup that finds a record counts as a hit, one that finds none as a miss.
public final class InMemoryTokenStore: TokenStore {
    struct State {
        var byID: [String: TokenRecord] = [:]
        var idByDigest: [TokenDigest: String] = [:]
        /// Ids in insertion order, for stable paging.
        var order: [String] = []
        var positionByID: [String: Int] = [:]
        var counter = HitCounter()
    }

    private let state = Mutex(State())

    public init() {}

    public func insert(_ record: TokenRecord) async throws {
        try state.withLock { state in
            guard state.byID[record.id] == nil, state.idByDigest[record.digest] == nil else {
                throw TokenStoreError.duplicate
            }
            state.byID[record.id] = record
            state.idByDigest[record.digest] = record.id
            state.positionByID[record.id] = state.order.count
            state.order.append(record.id)
        }
    }

    public func record(digest: TokenDigest) async throws -> TokenRecord? {
        state.withLock { state in
            guard let id = state.idByDigest[digest], let record = state.byID[id] else {
                state.counter.misses += 1
                return nil
            }
            state.counter.hits += 1
            return record
        }
    }

    public func record(id: String) async throws -> TokenRecord? {
        state.withLock { $0.byID[id] }
    }

    public func revoke(id: String, at time: Int64) async throws -> TokenRecord? {
        state.withLock { state in
            guard var record = state.byID[id] else { return nil }
            if record.revokedAt == nil {
                record.revokedAt = time
                state.byID[id] = record
            }
            return record
        }
    }

    public func update(id: String, policy: TokenPolicy, ifCurrent expected: TokenPolicy?) async throws -> TokenRecord? {
        state.withLock { state in
            guard var record = state.byID[id], expected.map({ $0 == record.policy }) ?? true else { return nil }
            record.policy = policy
            state.byID[id] = record
            return record
        }
    }

    public func list(_ query: TokenQuery, now: Double) async throws -> TokenPage {
        state.withLock { state in
            // Positions in issue order, walked forwards or (newest first) backwards from the cursor.
            let count = state.order.count
            var position = query.newestFirst ? count - 1 : 0
            if let after = query.after, let cursor = state.positionByID[after] {
                position = query.newestFirst ? cursor - 1 : cursor + 1
            }
            let step = query.newestFirst ? -1 : 1
            var records: [TokenRecord] = []
            while position >= 0, position < count, records.count < query.limit {
                let record = state.byID[state.order[position]]!
                position += step
                if query.matches(record, now: now) { records.append(record) }
            }
            let more = records.count == query.limit && position >= 0 && position < count
            return TokenPage(records: records, nextCursor: more ? records.last?.id : nil)
        }
    }

    public func cacheHitRate() -> Double {
        state.withLock { $0.counter.rate }
    }

    /// Hits and misses so far (for metrics and tests).
    public func hitCounter() -> HitCounter {
        state.withLock { $0.counter }
    }
}
