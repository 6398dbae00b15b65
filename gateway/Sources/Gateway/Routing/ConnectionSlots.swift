import ServiceSupport
import Synchronization

/// An explicit cap on open connections to one provider host (`GATEWAY_HTTP_MAX_CONNS_PER_HOST`),
/// with a bounded, first-come-first-served queue of requests waiting for a slot for at most
/// `GATEWAY_HTTP_POOL_WAIT`.
///
/// A request that gets no slot in time fails with ``UpstreamError/busy``: the provider is
/// healthy, only at the operator's cap, so it is not a connection failure and never counts against
/// the provider in routing. Slots are returned by ``Permit``'s `deinit`, so a request that fails,
/// is cancelled or whose client leaves mid-stream gives its slot back without a release call on
/// every path.
public final class ConnectionSlots: Sendable {
    /// A held slot; dropping it frees the slot (and hands it to the first waiter).
    public final class Permit: Sendable {
        let slots: ConnectionSlots
        init(_ slots: ConnectionSlots) { self.slots = slots }
        deinit { slots.release() }
    }

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Bool, Never>
        /// Ends the wait at its deadline; cancelled when the wait ends otherwise.
        var timer: Task<Void, Never>?
    }

    private struct State {
        var available: Int
        var waiters: [Waiter] = []
        /// Index of the first live waiter in `waiters` (a ring would be tidier; compaction keeps it O(1) amortised).
        var head = 0
        var nextID: UInt64 = 0

        var waiting: Int { waiters.count - head }

        mutating func popFirst() -> Waiter? {
            guard head < waiters.count else { return nil }
            let waiter = waiters[head]
            head += 1
            if head > 64, head * 2 > waiters.count {
                waiters.removeFirst(head)
                head = 0
            }
            return waiter
        }

        func index(of id: UInt64) -> Int? {
            waiters[head...].firstIndex { $0.id == id }
        }

        mutating func remove(id: UInt64) -> Waiter? {
            index(of: id).map { waiters.remove(at: $0) }
        }
    }

    public let limit: Int
    public let maxWaiting: Int
    private let state: Mutex<State>

    /// - Parameters:
    ///   - limit: connections that may be open at once.
    ///   - maxWaiting: requests that may wait for a slot; beyond it a request is refused at once.
    public init(limit: Int, maxWaiting: Int = 10_000) {
        precondition(limit > 0)
        self.limit = limit
        self.maxWaiting = maxWaiting
        state = Mutex(State(available: limit))
    }

    /// Slots in use and requests waiting, for metrics and tests.
    public var usage: (inUse: Int, waiting: Int) {
        state.withLock { (limit - $0.available, $0.waiting) }
    }

    /// ``acquire(timeout:)``, and how long getting the slot took (`gateway_upstream_pool_wait_seconds`).
    func acquireTimed(timeout: Duration) async throws -> (permit: Permit, waited: Duration) {
        let start = ContinuousClock.now
        let permit = try await acquire(timeout: timeout)
        return (permit, ContinuousClock.now - start)
    }

    /// A slot, at once if one is free, else after waiting up to `timeout` in arrival order.
    /// Throws ``UpstreamError/busy`` when none frees up in time or the queue is full, and
    /// `CancellationError` when the waiting task is cancelled (its client left).
    public func acquire(timeout: Duration) async throws -> Permit {
        enum Immediate { case granted, refused, wait(UInt64) }
        let immediate: Immediate = state.withLock { state in
            if state.available > 0 {
                state.available -= 1
                return .granted
            }
            guard maxWaiting > state.waiting, timeout > .zero else { return .refused }
            state.nextID &+= 1
            return .wait(state.nextID)
        }
        switch immediate {
        case .granted: return Permit(self)
        case .refused: throw UpstreamError.busy
        case .wait(let id):
            let granted = await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                    let enqueued: Bool = state.withLock { state in
                        // A slot may have been freed between the check above and here.
                        if state.available > 0 {
                            state.available -= 1
                            return false
                        }
                        state.waiters.append(Waiter(id: id, continuation: continuation))
                        return true
                    }
                    guard enqueued else { return continuation.resume(returning: true) }
                    if Task.isCancelled { return expire(id) }
                    let timer = Task {
                        try? await Task.sleep(for: timeout)
                        self.expire(id)
                    }
                    let stillWaiting = state.withLock { state in
                        guard let index = state.index(of: id) else { return false }
                        state.waiters[index].timer = timer
                        return true
                    }
                    if !stillWaiting { timer.cancel() }
                }
            } onCancel: {
                expire(id)
            }
            guard granted else {
                try Task.checkCancellation()
                throw UpstreamError.busy
            }
            return Permit(self)
        }
    }

    /// Ends one wait without a slot (its deadline passed or its task was cancelled); a no-op if the
    /// waiter already got one.
    private func expire(_ id: UInt64) {
        let waiter = state.withLock { $0.remove(id: id) }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: false)
    }

    private func release() {
        let next: Waiter? = state.withLock { state in
            if let waiter = state.popFirst() { return waiter }
            state.available += 1
            return nil
        }
        // The slot passes straight to the first waiter (available stays as it was).
        next?.timer?.cancel()
        next?.continuation.resume(returning: true)
    }
}
