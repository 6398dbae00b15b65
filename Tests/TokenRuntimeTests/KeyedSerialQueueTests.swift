import Synchronization
import Testing
@testable import TokenRuntime

/// One operation at a time per key, in order; other keys at once; cancelled waiters leave.
@Suite struct KeyedSerialQueueTests {
    /// Counts operations inside a key and the most there ever were at once.
    final class Occupancy: Sendable {
        let state = Mutex((now: 0, most: 0, order: [Int]()))

        func enter(_ index: Int) {
            state.withLock {
                $0.now += 1
                $0.most = max($0.most, $0.now)
                $0.order.append(index)
            }
        }

        func leave() { state.withLock { $0.now -= 1 } }
    }

    @Test func oneAtATimePerKey() async throws {
        let queue = KeyedSerialQueue()
        let occupancy = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    try await queue.run("tok_a") {
                        occupancy.enter(index)
                        try await Task.sleep(for: .microseconds(200))
                        occupancy.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(occupancy.state.withLock { $0.most } == 1)
        #expect(occupancy.state.withLock { $0.order.count } == 50)
        #expect(queue.runningKeys == 0)
    }

    @Test func otherKeysDoNotWait() async throws {
        let queue = KeyedSerialQueue()
        try await queue.run("tok_a") {
            // Inside tok_a, tok_b runs at once.
            let inner = try await queue.run("tok_b") { 7 }
            #expect(inner == 7)
        }
        #expect(queue.runningKeys == 0)
    }

    @Test func aCancelledWaiterLeavesWithoutRunning() async throws {
        let queue = KeyedSerialQueue()
        let ran = Mutex(false)
        try await queue.acquire("tok_a")
        let waiter = Task {
            try await queue.run("tok_a") { ran.withLock { $0 = true } }
        }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(!ran.withLock { $0 })
        queue.release("tok_a")
        #expect(queue.runningKeys == 0)
        // The key is free again.
        #expect(try await queue.run("tok_a") { 1 } == 1)
    }
}
