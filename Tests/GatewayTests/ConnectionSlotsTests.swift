import Synchronization
import Testing

import ServiceSupport
@testable import Gateway

/// The per-host connection cap's queue: first come, first served; bounded; a wait ends with a
/// slot, at its deadline (busy) or when its task is cancelled, and never loses a slot.
@Suite(.timeLimit(.minutes(1))) struct ConnectionSlotsTests {
    @Test func slotsAreGrantedAtOnceUpToTheLimit() async throws {
        let slots = ConnectionSlots(limit: 3)
        let held = [try await slots.acquire(timeout: .seconds(1)), try await slots.acquire(timeout: .seconds(1))]
        #expect(slots.usage.inUse == 2)
        #expect(held.count == 2)
    }

    @Test func aWaiterGetsTheSlotThatIsFreed() async throws {
        let slots = ConnectionSlots(limit: 1)
        var held: ConnectionSlots.Permit? = try await slots.acquire(timeout: .seconds(1))
        // The waiter drops its permit when it ends (a finished Task keeps its result alive).
        let waiter = Task { _ = try await slots.acquire(timeout: .seconds(60)) }
        try await waitUntil { slots.usage.waiting == 1 }
        #expect(slots.usage == (inUse: 1, waiting: 1))
        #expect(held != nil)
        held = nil  // dropping the permit hands the slot over
        try await waiter.value
        #expect(slots.usage == (inUse: 0, waiting: 0))
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        let slots = ConnectionSlots(limit: 1)
        var held: ConnectionSlots.Permit? = try await slots.acquire(timeout: .seconds(1))
        let order = Recorder()
        var tasks: [Task<Void, any Error>] = []
        for index in 0..<5 {
            tasks.append(
                Task {
                    let permit = try await slots.acquire(timeout: .seconds(60))
                    order.values.withLock { $0.append(index) }
                    _ = consume permit
                })
            try await waitUntil { slots.usage.waiting == index + 1 }
        }
        held = nil
        for task in tasks { try await task.value }
        #expect(held == nil)
        #expect(order.values.withLock { $0 } == [0, 1, 2, 3, 4])
        #expect(slots.usage == (inUse: 0, waiting: 0))
    }

    @Test func aWaitThatOutlastsItsDeadlineIsBusyAndLeavesTheQueue() async throws {
        let slots = ConnectionSlots(limit: 1)
        let held = try await slots.acquire(timeout: .seconds(1))
        await #expect(throws: UpstreamError.busy) { _ = try await slots.acquire(timeout: .milliseconds(20)) }
        #expect(slots.usage == (inUse: 1, waiting: 0))
        _ = consume held
        // The expired waiter took nothing: the freed slot is available.
        _ = try await slots.acquire(timeout: .milliseconds(1))
    }

    @Test func aFullQueueRefusesAtOnce() async throws {
        let slots = ConnectionSlots(limit: 1, maxWaiting: 1)
        let held = try await slots.acquire(timeout: .seconds(1))
        let waiter = Task { try await slots.acquire(timeout: .seconds(60)) }
        try await waitUntil { slots.usage.waiting == 1 }
        await #expect(throws: UpstreamError.busy) { _ = try await slots.acquire(timeout: .seconds(60)) }
        _ = consume held
        _ = try await waiter.value
    }

    @Test func aCancelledWaiterLeavesWithoutTakingASlot() async throws {
        let slots = ConnectionSlots(limit: 1)
        let held = try await slots.acquire(timeout: .seconds(1))
        let waiter = Task { try await slots.acquire(timeout: .seconds(60)) }
        try await waitUntil { slots.usage.waiting == 1 }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiter.value }
        #expect(slots.usage == (inUse: 1, waiting: 0))
        _ = consume held
        #expect(slots.usage == (inUse: 0, waiting: 0))
    }

    /// Polls a condition (the waiters are other tasks); fails after 10 s.
    func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw PollTimeout() }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    struct PollTimeout: Error {}

    final class Recorder: Sendable {
        let values = Mutex<[Int]>([])
    }
}
