import ServiceSupport
import TokenProtocol

/// Where token records live. Implementations keep digests only, never tokens.
public protocol TokenStore: Sendable {
    /// Stores a new record. Throws ``TokenStoreError/duplicate`` if the id or digest exists.
    func insert(_ record: TokenRecord) async throws
    /// The record for a token digest: the introspection hot path.
    func record(digest: TokenDigest) async throws -> TokenRecord?
    func record(id: String) async throws -> TokenRecord?
    /// Marks a token revoked at `time` unless it already is; returns the record as stored
    /// afterwards (an earlier revocation time is kept), or nil when no such id exists.
    func revoke(id: String, at time: Int64) async throws -> TokenRecord?
    /// Replaces a token's policy, when `expected` is given only if the stored policy is still
    /// that (a compare-and-set, so concurrent changes are not lost); returns the record as stored
    /// afterwards, or nil when no such id exists or its policy is no longer `expected`. When it
    /// returns, no replica serves the old policy from memory (as ``revoke(id:at:)``).
    func update(id: String, policy: TokenPolicy, ifCurrent expected: TokenPolicy?) async throws -> TokenRecord?
    /// One page of records in issue order, filtered.
    func list(_ query: TokenQuery, now: Double) async throws -> TokenPage
    /// Lookups by digest answered from memory, over all lookups by digest (0 when none).
    func cacheHitRate() -> Double
    /// Whether the store can answer now (`GET /readyz`).
    func isReady() async -> Bool
}

extension TokenStore {
    /// Replaces a token's policy whatever it is now; nil when no such id exists.
    public func update(id: String, policy: TokenPolicy) async throws -> TokenRecord? {
        try await update(id: id, policy: policy, ifCurrent: nil)
    }

    /// A store in this process's memory is always ready.
    public func isReady() async -> Bool { true }
}

public enum TokenStoreError: Error, Sendable, Equatable {
    case duplicate
    case unavailable(String)
}

/// A filter and a page position for listing tokens.
public struct TokenQuery: Sendable, Equatable {
    public var subject: String?
    public var status: TokenStatus?
    public var limit: Int
    /// The id of the last record of the previous page.
    public var after: String?
    /// Only records whose subject, id or client id contains this text, without regard to case.
    public var search: String?
    /// Newest first (the console's order) instead of issue order.
    public var newestFirst: Bool

    public init(
        subject: String? = nil, status: TokenStatus? = nil, limit: Int = 50, after: String? = nil, search: String? = nil,
        newestFirst: Bool = false
    ) {
        self.subject = subject
        self.status = status
        self.limit = limit
        self.after = after
        self.search = search
        self.newestFirst = newestFirst
    }

    /// Whether `record` passes the filters (not the page position).
    func matches(_ record: TokenRecord, now: Double) -> Bool {
        if let subject, record.subject != subject { return false }
        if let status, record.status(at: now) != status { return false }
        if let search = search?.lowercased(), !search.isEmpty {
            let fields = [record.subject, record.id, record.clientID ?? ""]
            guard fields.contains(where: { $0.lowercased().contains(search) }) else { return false }
        }
        return true
    }
}

public struct TokenPage: Sendable, Equatable {
    public var records: [TokenRecord]
    /// Pass as `after` to get the next page; nil on the last page.
    public var nextCursor: String?

    public init(records: [TokenRecord], nextCursor: String?) {
        self.records = records
        self.nextCursor = nextCursor
    }
}

/// Hit/miss arithmetic shared by the stores: hits / lookups, 0 when there were none.
public struct HitCounter: Sendable, Equatable {
    public var hits: UInt64 = 0
    public var misses: UInt64 = 0

    public init(hits: UInt64 = 0, misses: UInt64 = 0) {
        self.hits = hits
        self.misses = misses
    }

    public var rate: Double {
        let lookups = hits + misses
        return lookups == 0 ? 0 : Double(hits) / Double(lookups)
    }
}
