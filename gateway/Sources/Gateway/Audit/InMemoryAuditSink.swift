import ServiceSupport
import Synchronization

/// Keeps the most recent `capacity` records in memory: the fallback when no database is
/// configured, and the sink of tests. Older records are dropped first, and counted.
public final class InMemoryAuditSink: AuditSink {
    struct State {
        var records: [AuditRecord] = []
        var start = 0
        var dropped: UInt64 = 0
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 10_000) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    public func record(_ record: AuditRecord) {
        state.withLock { state in
            if state.records.count < capacity {
                state.records.append(record)
            } else {
                state.records[state.start] = record
                state.start = (state.start + 1) % capacity
                state.dropped += 1
            }
        }
    }

    public func isHealthy() async -> Bool { true }

    /// Records kept, oldest first.
    public func records() -> [AuditRecord] {
        state.withLock { state in Array(state.records[state.start...] + state.records[..<state.start]) }
    }

    /// Records dropped because the buffer was full.
    public var dropped: UInt64 { state.withLock { $0.dropped } }

    /// Records matching `predicate`, oldest first.
    public func records(where predicate: (AuditRecord) -> Bool) -> [AuditRecord] {
        records().filter(predicate)
    }
}
