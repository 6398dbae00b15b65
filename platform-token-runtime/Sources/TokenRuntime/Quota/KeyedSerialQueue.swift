import Synchronization

/// Runs one operation at a time per key in this process, first come first served; operations of
/// different keys run at once. A waiting operation whose task is cancelled leaves the queue
/// (throwing `CancellationError`) without ever running.
///
/// ``PostgresQuotaStore`` queues its calls per token here, so a hot token holds at most one pool
/// connection of each replica while it waits for the token's row lock, not one per caller.
final class KeyedSerialQueue: Sendable {
    struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    struct State {
        /// Keys that are running, with the operations waiting for them in order.
        var running: [String: [Waiter]] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    init() {}

    func run<T: Sendable>(_ key: String, _ operation: () async throws -> T) async throws -> T {
        try await acquire(key)
        defer { release(key) }
        return try await operation()
    }

    /// Number of keys running (for tests).
    var runningKeys: Int { state.withLock { $0.running.count } }

    func acquire(_ key: String) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Decided under the lock: cancelled already, free, or wait (found by onCancel).
                let now: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    guard state.running[key] != nil else {
                        state.running[key] = []
                        return .success(())
                    }
                    state.running[key, default: []].append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.running[key]?.firstIndex(where: { $0.id == id }) else { return nil }
                return state.running[key]?.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Hands the key to the next waiter, or frees it.
    func release(_ key: String) {
        let next = state.withLock { state -> Waiter? in
            guard var waiters = state.running[key] else { return nil }
            guard !waiters.isEmpty else {
                state.running[key] = nil
                return nil
            }
            let first = waiters.removeFirst()
            state.running[key] = waiters
            return first
        }
        next?.continuation.resume()
    }
}
