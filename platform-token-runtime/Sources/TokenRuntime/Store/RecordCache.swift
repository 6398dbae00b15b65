import ServiceSupport
import TokenProtocol

/// The memory layer of ``PostgresTokenStore``: token records by digest, bounded, each trusted
/// for a limited time after the database read that produced it.
///
/// Guarantees:
/// - An active or expired record is served for at most `maxStaleness` after its read *started*;
///   then it is read again. A revoked record is final (there is no un-revoke), so it is kept
///   until evicted.
/// - A read that overlapped an invalidation (or the layer being switched on or off) is not
///   stored: every invalidation bumps ``generation``, and ``store(_:ticket:)`` refuses a ticket
///   taken under an older generation. So an answer read before a revocation can never be put
///   back after the revocation removed it.
/// - Nothing is served or stored unless the layer is *trusted*: the store's revocation listener
///   extends the trust after each heartbeat it writes (see ``PostgresTokenStore``). When the trust
///   lapses or is withdrawn, and again when it is restored, every entry is dropped.
/// - At most `2 * generationCapacity` entries: two generations of plain dictionaries; when the
///   young one is full it becomes the old one and the previous old one is dropped. A hit in the
///   old generation moves the entry to the young one (an O(1) approximation of LRU).
struct RecordCache {
    struct Entry {
        var record: TokenRecord
        var readAt: ContinuousClock.Instant
    }

    /// Permission to store the result of a read, taken when the read starts.
    struct Ticket {
        var generation: UInt64
        var readAt: ContinuousClock.Instant
    }

    let generationCapacity: Int
    let maxStaleness: Duration
    private var young: [TokenDigest: Entry] = [:]
    private var old: [TokenDigest: Entry] = [:]
    private(set) var generation: UInt64 = 0
    /// Until when entries may be served; nil while the store cannot hear about revocations.
    private(set) var trustedUntil: ContinuousClock.Instant?
    var counter = HitCounter()

    init(generationCapacity: Int, maxStaleness: Duration) {
        precondition(generationCapacity > 0)
        self.generationCapacity = generationCapacity
        self.maxStaleness = maxStaleness
    }

    var count: Int { young.count + old.count }

    /// A record that may still be trusted at `now`, or nil (and a stale entry is dropped).
    mutating func lookup(_ digest: TokenDigest, now: ContinuousClock.Instant) -> TokenRecord? {
        guard isTrusted(at: now) else { return nil }
        if let entry = young[digest] {
            if isFresh(entry, now: now) { return entry.record }
            young[digest] = nil
            return nil
        }
        if let entry = old.removeValue(forKey: digest), isFresh(entry, now: now) {
            insert(digest, entry)
            return entry.record
        }
        return nil
    }

    func isTrusted(at now: ContinuousClock.Instant) -> Bool {
        trustedUntil.map { now < $0 } ?? false
    }

    func isFresh(_ entry: Entry, now: ContinuousClock.Instant) -> Bool {
        if entry.record.revokedAt != nil { return true }
        return entry.readAt <= now && now - entry.readAt < maxStaleness
    }

    /// Taken before a database read; nil when nothing may be cached now.
    func ticket(at now: ContinuousClock.Instant) -> Ticket? {
        isTrusted(at: now) ? Ticket(generation: generation, readAt: now) : nil
    }

    /// Stores what a read returned, unless an invalidation happened since its ticket was taken.
    mutating func store(_ record: TokenRecord, ticket: Ticket?) {
        guard let ticket, ticket.generation == generation, trustedUntil != nil else { return }
        insert(record.digest, Entry(record: record, readAt: ticket.readAt))
    }

    /// Stores a record this process itself just wrote (a revocation), as an invalidation does
    /// first: a read that started before the write cannot put the old state back afterwards.
    mutating func storeOwnWrite(_ record: TokenRecord, at now: ContinuousClock.Instant) {
        invalidate(record.digest)
        guard isTrusted(at: now) else { return }
        insert(record.digest, Entry(record: record, readAt: now))
    }

    mutating func invalidate(_ digest: TokenDigest) {
        generation &+= 1
        young[digest] = nil
        old[digest] = nil
    }

    /// Serves entries until `deadline`; if the trust had lapsed, starts from an empty layer.
    mutating func trust(until deadline: ContinuousClock.Instant, now: ContinuousClock.Instant) {
        if !isTrusted(at: now) { clear() }
        trustedUntil = deadline
    }

    /// Stops serving and drops everything (the listener lost its connection).
    mutating func distrust() {
        trustedUntil = nil
        clear()
    }

    private mutating func clear() {
        generation &+= 1
        young = [:]
        old = [:]
    }

    private mutating func insert(_ digest: TokenDigest, _ entry: Entry) {
        if young[digest] == nil, young.count >= generationCapacity {
            old = young
            young = [:]
            young.reserveCapacity(generationCapacity)
        }
        young[digest] = entry
    }
}
