import CoreMetrics
import Logging
import PostgresNIO
import ServiceLifecycle
import ServiceSupport

/// The writer of ``PostgresAuditSink``: batches, retries, and the shutdown flush.
extension PostgresAuditSink {
    public func run() async throws {
        state.withLock { $0.running = true }
        defer { state.withLock { $0.running = false } }
        var backoff = RetryBackoff(initial: configuration.retryInitial, maximum: configuration.retryMaximum)
        var lastWrite = ContinuousClock.now
        var reportedDrops: UInt64 = 0

        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            reportedDrops = reportDrops(since: reportedDrops)
            let batch = state.withLock { $0.queue.peek(configuration.batchSize) }
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
            let left = state.withLock { $0.queue.count }
            if left > 0 { logger.error("audit writer cancelled with records still queued", metadata: ["audit.queued": "\(left)"]) }
            return
        }
        await flushForShutdown(backoff: &backoff)
    }

    /// Writes until the queue is empty or the grace period is over; counts what is left as dropped.
    func flushForShutdown(backoff: inout RetryBackoff) async {
        let deadline = ContinuousClock.now + configuration.shutdownGracePeriod
        let queued = state.withLock { $0.queue.count }
        logger.info("flushing the audit queue before shutdown", metadata: ["audit.queued": "\(queued)"])
        while !Task.isCancelled, ContinuousClock.now < deadline {
            let batch = state.withLock { $0.queue.peek(configuration.batchSize) }
            if batch.isEmpty { break }
            if await write(batch, within: min(configuration.writeTimeout, deadline - .now)) {
                backoff.reset()
            } else {
                let delay = min(backoff.next(), deadline - .now)
                if delay > .zero { try? await Task.sleep(for: delay) }
            }
        }
        let left = state.withLock { $0.queue.count }
        if left > 0 {
            metrics.droppedShutdown.increment(by: Int64(left))
            logger.error(
                "audit records lost at shutdown: the database did not take them within the grace period",
                metadata: ["audit.lost": "\(left)", "audit.grace_period": "\(configuration.shutdownGracePeriod)"])
        } else {
            logger.info("audit queue flushed")
        }
    }

    /// Writes one batch in one statement; on success removes it from the queue. Never throws.
    func write(_ batch: [AuditQueue.Item], within timeout: Duration) async -> Bool {
        let start = ContinuousClock.now
        do {
            if !migrated.load(ordering: .acquiring) { try await migrate(timeout: timeout) }
            let query = sql.insert(batch, writer: writerID)
            try await Deadline.run(within: max(timeout - (.now - start), .milliseconds(1))) { [client] in
                _ = try await client.query(query).collect()
            }
        } catch {
            metrics.writeErrors.increment()
            let firstFailure = state.withLock { state in
                defer { state.failing = true }
                return !state.failing
            }
            if firstFailure {
                logger.warning(
                    "audit write failed; records stay queued and the batch is retried",
                    metadata: [
                        "db.error": "\(PostgresErrorSummary.describe(error))", "audit.batch": "\(batch.count)",
                        "audit.queued": "\(state.withLock { $0.queue.count })",
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
        metrics.batchDuration.recordInterval(since: start)
        if recovered { logger.notice("audit writes recovered", metadata: ["audit.queued": "\(depth)"]) }
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
                "audit queue full: newest records dropped",
                metadata: ["audit.dropped": "\(dropped - reported)", "audit.queued": "\(depth)"])
        }
        return dropped
    }
}

extension CoreMetrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
