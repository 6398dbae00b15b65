import Logging
import CoreMetrics
import ServiceSupport
import Synchronization
import Testing

/// BatchDelivery's contract with its receiver: in order, retried until delivered, and a batch
/// the receiver refuses for good dropped and counted instead of blocking everything behind it.
@Suite struct BatchDeliveryTests {
    final class Receiver: Sendable {
        let delivered = Mutex<[Int]>([])
        let attempts = Atomic<Int>(0)
        /// Fail this many attempts first (the receiver is away).
        let failFirst: Int

        init(failFirst: Int = 0) { self.failFirst = failFirst }

        func deliver(_ batch: [BatchQueue<Int>.Item]) throws {
            let attempt = attempts.add(1, ordering: .relaxed).newValue
            if attempt <= failFirst { throw Away() }
            if batch.contains(where: { $0.record < 0 }) { throw BatchDelivery<Int>.Rejected("negative") }
            delivered.withLock { $0 += batch.map(\.record) }
        }

        struct Away: Error {}
    }

    func delivery(_ receiver: Receiver, batchSize: Int = 3) -> BatchDelivery<Int> {
        BatchDelivery(
            "test",
            configuration: .init(
                capacity: 100, batchSize: batchSize, flushInterval: .milliseconds(5), retryInitial: .milliseconds(1),
                retryMaximum: .milliseconds(5)),
            metrics: .init(prefix: "test", factory: NOOPMetricsHandler.instance), logger: Logger(label: "test")
        ) { batch in try receiver.deliver(batch) }
    }

    func drain(_ delivery: BatchDelivery<Int>) async throws {
        let writer = Task { await delivery.run() }
        defer { writer.cancel() }
        for _ in 0..<1_000 where delivery.queuedCount > 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(delivery.queuedCount == 0)
    }

    @Test func recordsArriveInOrderAfterTheReceiverComesBack() async throws {
        let receiver = Receiver(failFirst: 4)
        let delivery = delivery(receiver)
        for value in 1...10 { delivery.append(value) }
        try await drain(delivery)
        #expect(receiver.delivered.withLock { $0 } == Array(1...10))
        #expect(receiver.attempts.load(ordering: .relaxed) >= 4 + 4)
    }

    @Test func aBatchRefusedForGoodIsDroppedAndTheRestStillArrives() async throws {
        let receiver = Receiver()
        let delivery = delivery(receiver)
        for value in [1, 2, 3, 4, -5, 6, 7, 8, 9] { delivery.append(value) }
        try await drain(delivery)
        // Batches of 3: [1,2,3] [4,-5,6] [7,8,9]; the middle one is refused as a whole.
        #expect(receiver.delivered.withLock { $0 } == [1, 2, 3, 7, 8, 9])
    }
}
