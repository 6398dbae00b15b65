import CoreMetrics
import Logging
import ServiceLifecycle
import Synchronization

/// Records delivered to a receiver in batches, in order, by one background writer (run it as a
/// service), and never silently lost: producers only append to a bounded ``BatchQueue`` and never
/// wait; the writer sends up to `batchSize` records at once, or whatever is queued every
/// `flushInterval`; records leave the queue only once their batch was delivered; a failed batch is
/// retried with capped exponential backoff (the receiver must store a batch sent twice once: each
/// record has a sequence number); a full queue refuses the newest record and counts it; on graceful
/// shutdown the queue is flushed for up to `shutdownGracePeriod` and what is left is counted as lost.
///
/// The gateway's PostgreSQL audit sink and its usage reports to the token runtime's ledger both
/// deliver this way.
public final class BatchDelivery<Record: Sendable>: Sendable {
    public struct Configuration: Sendable {
        public var capacity: Int
        public var batchSize: Int
        public var flushInterval: Duration
        public var writeTimeout: Duration
        public var retryInitial: Duration
        public var retryMaximum: Duration
        public var shutdownGracePeriod: Duration

        public init(
            capacity: Int = 100_000, batchSize: Int = 500, flushInterval: Duration = .milliseconds(100),
            writeTimeout: Duration = .seconds(5), retryInitial: Duration = .milliseconds(100), retryMaximum: Duration = .seconds(5),
            shutdownGracePeriod: Duration = .seconds(10)
        ) {
            precondition(capacity > 0, "the queue needs room for at least one record")
            precondition(batchSize > 0, "a batch holds at least one record")
            self.capacity = capacity
            self.batchSize = batchSize
            self.flushInterval = flushInterval
            self.writeTimeout = writeTimeout
            self.retryInitial = retryInitial
            self.retryMaximum = retryMaximum
            self.shutdownGracePeriod = shutdownGracePeriod
        }
    }

    /// `<prefix>_dropped_total{reason="queue_full"|"shutdown"|"rejected"}`, `<prefix>_written_total`,
    /// `<prefix>_write_errors_total`, `<prefix>_queue_depth`, `<prefix>_batch_duration_seconds`.
    public struct Metrics: Sendable {
        let droppedQueueFull: CoreMetrics.Counter
        let droppedShutdown: CoreMetrics.Counter
        let droppedRejected: CoreMetrics.Counter
        let written: CoreMetrics.Counter
        let writeErrors: CoreMetrics.Counter
        let queueDepth: CoreMetrics.Gauge
        let batchDuration: CoreMetrics.Timer

        public init(prefix: String, factory: any MetricsFactory) {
            droppedQueueFull = .init(label: "\(prefix)_dropped_total", dimensions: [("reason", "queue_full")], factory: factory)
            droppedShutdown = .init(label: "\(prefix)_dropped_total", dimensions: [("reason", "shutdown")], factory: factory)
            droppedRejected = .init(label: "\(prefix)_dropped_total", dimensions: [("reason", "rejected")], factory: factory)
            written = .init(label: "\(prefix)_written_total", factory: factory)
            writeErrors = .init(label: "\(prefix)_write_errors_total", factory: factory)
            queueDepth = .init(label: "\(prefix)_queue_depth", factory: factory)
            batchDuration = .init(label: "\(prefix)_batch_duration_seconds", factory: factory)
        }
    }

    /// Thrown by ``Deliver`` when the receiver refused the batch for good (it would refuse it
    /// again): the batch is dropped and counted (`reason="rejected"`) instead of blocking the queue.
    public struct Rejected: Error, Sendable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }

    /// Sends one batch; throws when it may not have arrived (it is sent again), or ``Rejected``.
    public typealias Deliver = @Sendable (_ batch: [BatchQueue<Record>.Item]) async throws -> Void

    struct State {
        var queue: BatchQueue<Record>
        var running = false
        var failing = false
    }

    public let configuration: Configuration
    /// What the records are, for log lines ("audit", "usage report").
    let what: String
    let metrics: Metrics
    let logger: Logger
    let deliver: Deliver
    let state: Mutex<State>

    public init(_ what: String, configuration: Configuration, metrics: Metrics, logger: Logger, deliver: @escaping Deliver) {
        self.what = what
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.deliver = deliver
        state = Mutex(State(queue: BatchQueue(capacity: configuration.capacity)))
    }

    /// Queues `record`; false (and one more drop) when the queue is full. Never waits.
    @discardableResult public func append(_ record: Record) -> Bool {
        let accepted = state.withLock { $0.queue.append(record) }
        if !accepted { metrics.droppedQueueFull.increment() }
        return accepted
    }

    public var queuedCount: Int { state.withLock { $0.queue.count } }
    public var droppedCount: UInt64 { state.withLock { $0.queue.dropped } }
    /// The writer runs, its last batch arrived and the queue has room.
    public var isHealthy: Bool { state.withLock { $0.running && !$0.failing && $0.queue.count < $0.queue.capacity } }

    /// The oldest `limit` queued items, left in place.
    public func peek(_ limit: Int) -> [BatchQueue<Record>.Item] { state.withLock { $0.queue.peek(limit) } }

    /// The writer: until graceful shutdown, then the flush.
    public func run() async {
        state.withLock { $0.running = true }
        defer { state.withLock { $0.running = false } }
        var backoff = RetryBackoff(initial: configuration.retryInitial, maximum: configuration.retryMaximum)
        var lastWrite = ContinuousClock.now
        var reportedDrops: UInt64 = 0

        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            reportedDrops = reportDrops(since: reportedDrops)
            let batch = peek(configuration.batchSize)
            if batch.isEmpty {
                guard await pause(until: .now + configuration.flushInterval) else { break }
                continue
            }
            let due = lastWrite + configuration.flushInterval
            if batch.count < configuration.batchSize, ContinuousClock.now < due {
                guard await pause(until: due) else { break }
                continue
            }
            if await write(batch, within: configuration.writeTimeout) {
                backoff.reset()
                lastWrite = .now
            } else {
                guard await pause(until: .now + backoff.next()) else { break }
            }
        }
        _ = reportDrops(since: reportedDrops)
        if Task.isCancelled {
            let left = queuedCount
            if left > 0 { logger.error("\(what) writer cancelled with records still queued", metadata: ["\(what).queued": "\(left)"]) }
            return
        }
        await flushForShutdown(backoff: &backoff)
    }

    /// Writes until the queue is empty or the grace period is over; counts what is left as dropped.
    func flushForShutdown(backoff: inout RetryBackoff) async {
        let deadline = ContinuousClock.now + configuration.shutdownGracePeriod
        logger.info("flushing the \(what) queue before shutdown", metadata: ["\(what).queued": "\(queuedCount)"])
        while !Task.isCancelled, ContinuousClock.now < deadline {
            let batch = peek(configuration.batchSize)
            if batch.isEmpty { break }
            if await write(batch, within: min(configuration.writeTimeout, deadline - .now)) {
                backoff.reset()
            } else {
                let delay = min(backoff.next(), deadline - .now)
                if delay > .zero { try? await Task.sleep(for: delay) }
            }
        }
        let left = queuedCount
        if left > 0 {
            metrics.droppedShutdown.increment(by: Int64(left))
            logger.error(
                "\(what) records lost at shutdown: the receiver did not take them within the grace period",
                metadata: ["\(what).lost": "\(left)", "\(what).grace_period": "\(configuration.shutdownGracePeriod)"])
        } else {
            logger.info("\(what) queue flushed")
        }
    }

    /// Sends one batch within `timeout`; on success removes it from the queue. Never throws.
    public func write(_ batch: [BatchQueue<Record>.Item], within timeout: Duration) async -> Bool {
        let start = ContinuousClock.now
        do {
            try await Deadline.run(within: max(timeout, .milliseconds(1))) { [deliver] in try await deliver(batch) }
        } catch let rejected as Rejected {
            let depth = state.withLock { state in
                state.queue.removeFirst(batch.count)
                return state.queue.count
            }
            metrics.droppedRejected.increment(by: Int64(batch.count))
            metrics.queueDepth.record(depth)
            logger.error(
                "\(what) batch refused by the receiver for good; dropped",
                metadata: ["\(what).batch": "\(batch.count)", "reason": "\(rejected.reason)"])
            return true
        } catch {
            metrics.writeErrors.increment()
            let firstFailure = state.withLock { state in
                defer { state.failing = true }
                return !state.failing
            }
            if firstFailure {
                logger.warning(
                    "\(what) write failed; records stay queued and the batch is retried",
                    metadata: [
                        "error": "\(PostgresErrorSummary.describe(error))", "\(what).batch": "\(batch.count)",
                        "\(what).queued": "\(queuedCount)",
                    ])
            }
            return false
        }
        let (recovered, depth) = state.withLock { state in
            state.queue.removeFirst(batch.count)
            defer { state.failing = false }
            return (state.failing, state.queue.count)
        }
        metrics.written.increment(by: Int64(batch.count))
        metrics.queueDepth.record(depth)
        let elapsed = ContinuousClock.now - start
        metrics.batchDuration.recordNanoseconds(elapsed.nanoseconds)
        if recovered { logger.notice("\(what) writes recovered", metadata: ["\(what).queued": "\(depth)"]) }
        return true
    }

    /// Sleeps until `instant`; false when graceful shutdown or cancellation cut it short.
    func pause(until instant: ContinuousClock.Instant) async -> Bool {
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(until: instant, clock: .continuous) }
            return !Task.isShuttingDownGracefully
        } catch {
            return false
        }
    }

    /// Logs when records have been dropped since the last report; returns the new total.
    func reportDrops(since reported: UInt64) -> UInt64 {
        let (dropped, depth) = state.withLock { ($0.queue.dropped, $0.queue.count) }
        if dropped > reported {
            logger.error(
                "\(what) queue full: newest records dropped",
                metadata: ["\(what).dropped": "\(dropped - reported)", "\(what).queued": "\(depth)"])
        }
        return dropped
    }
}
