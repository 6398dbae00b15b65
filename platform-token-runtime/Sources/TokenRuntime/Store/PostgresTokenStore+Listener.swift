import Logging
import PostgresNIO
import ServiceLifecycle
import ServiceSupport
import TokenProtocol

/// The replica side of ``PostgresTokenStore``'s consistency: listening for revocations,
/// acknowledging them, keeping this replica's heartbeat, and (for the revoking replica) waiting
/// for the others' acknowledgements.
extension PostgresTokenStore {
    /// Listens on the `token_revoked` channel until graceful shutdown, reconnecting with backoff.
    /// While it is connected and its heartbeat is current, the memory layer serves entries;
    /// otherwise every lookup reads the database.
    public func run() async throws {
        var backoff = RetryBackoff(initial: .milliseconds(100), maximum: .seconds(5))
        var failures = 0
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let started = ContinuousClock.now
            do {
                try await cancelWhenGracefulShutdown { try await self.listen() }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                // A session that ran a while was a success: start counting (and backing off) afresh.
                if ContinuousClock.now - started > .seconds(10) {
                    failures = 0
                    backoff.reset()
                }
                failures += 1
                logger.log(
                    level: failures == 1 ? .warning : .debug,
                    "revocation listener lost the database; lookups read the database until it is back",
                    metadata: [
                        "db.error": "\(PostgresErrorSummary.describe(error))", "db.schema": "\(sql.schema)",
                        "listener.attempt": "\(failures)",
                    ])
            }
            cache.withLock { $0.distrust() }
            let delay = backoff.next()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            } catch {
                break
            }
        }
        cache.withLock { $0.distrust() }
        _ = try? await Deadline.run(within: .seconds(1)) { [client, sql, replicaID] in
            _ = try await client.query(sql.deregister(replica: replicaID)).collect()
        }
        logger.info("revocation listener stopped", metadata: ["replica.id": "\(replicaID)"])
    }

    /// One listening session on one connection; throws when the connection or a heartbeat fails.
    func listen() async throws {
        if !migrated.load(ordering: .acquiring) { try await migrate() }
        // Read before LISTEN: every revocation after this one reaches us as a notification.
        let baseline = try await database { [client, sql] in
            guard let row = try await Self.firstRow(client.query(sql.newestRevocation)) else { return Int64(0) }
            return try row.decode(Int64.self)
        }
        try await client.withConnection { connection in
            try await connection.listen(on: sql.channel) { notifications in
                try await connection.listen(on: sql.eventsChannel) { events in
                    try await register(acknowledged: baseline)
                    logger.info(
                        "revocation listener registered",
                        metadata: [
                            "replica.id": "\(replicaID)", "db.channel": "\(sql.channel)", "revocation.seq": "\(baseline)",
                        ])
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await self.keepHeartbeat() }
                        group.addTask {
                            for try await notification in notifications {
                                await self.handleRevocation(payload: notification.payload)
                            }
                            throw ListenerEnded()
                        }
                        group.addTask {
                            for try await notification in events {
                                self.handleStreamEvent(payload: notification.payload)
                            }
                            throw ListenerEnded()
                        }
                        defer { group.cancelAll() }
                        try await group.next()
                    }
                }
            }
        }
    }

    /// Registers this replica as having seen every revocation up to `acknowledged`, then trusts the
    /// memory layer (starting empty) until a heartbeat would be overdue.
    func register(acknowledged: Int64) async throws {
        let sent = ContinuousClock.now
        try await database { [client, sql, replicaID, configuration] in
            _ = try await client.query(sql.forgetReplicas(silentFor: configuration.replicaLiveness.inSeconds * 10)).collect()
            _ = try await client.query(sql.register(replica: replicaID, acked: acknowledged)).collect()
        }
        extendTrust(heartbeatSentAt: sent)
    }

    /// Revokers wait only for replicas whose heartbeat is younger than `replicaLiveness`. The memory
    /// layer is trusted for less than that after the last heartbeat was *sent* (so before the
    /// database stamped it): if revokers may stop waiting for this replica, it serves nothing.
    func extendTrust(heartbeatSentAt sent: ContinuousClock.Instant) {
        let until = sent + configuration.replicaLiveness - configuration.heartbeatInterval
        cache.withLock { $0.trust(until: until, now: .now) }
    }

    func keepHeartbeat() async throws {
        while true {
            try await Task.sleep(for: configuration.heartbeatInterval)
            let sent = ContinuousClock.now
            let found = try await database { [client, sql, replicaID] in
                try await Self.firstRow(client.query(sql.heartbeat(replica: replicaID))) != nil
            }
            // Our row was removed (we were silent too long): listen and register again.
            guard found else { throw ListenerEnded() }
            extendTrust(heartbeatSentAt: sent)
        }
    }

    /// `"<seq>:<token id>:<digest hex>"` (a revocation) or the same with `:updated` (a policy
    /// change): drop the entry, tell the revocation observer of a revocation, then acknowledge the
    /// sequence number.
    func handleRevocation(payload: String) async {
        let parts = payload.split(separator: ":", omittingEmptySubsequences: false)
        let isUpdate = parts.count == 4 && parts[3] == PostgresTokenSQL.updatedSuffix[...]
        guard parts.count == 3 || isUpdate, let sequence = Int64(parts[0]), let digest = TokenDigest(hex: parts[2]) else {
            logger.error("unreadable revocation notification; dropping the whole memory layer", metadata: ["db.channel": "\(sql.channel)"])
            cache.withLock { $0.distrust() }
            return
        }
        cache.withLock { $0.invalidate(digest) }
        if !isUpdate { revocationObserver.withLock { $0 }?(String(parts[1]), digest) }
        logger.debug(
            isUpdate ? "policy update received" : "revocation received",
            metadata: ["token.id": "\(parts[1])", "revocation.seq": "\(sequence)"])
        do {
            try await database { [client, sql, replicaID] in
                _ = try await client.query(sql.acknowledge(replica: replicaID, sequence: sequence)).collect()
            }
        } catch {
            // The writer then waits the full staleness bound instead; nothing else to do.
        }
    }

    /// Waits until every other live replica has acknowledged `sequence`, or `maxStaleness` passed.
    func awaitAcknowledgements(of sequence: Int64) async {
        let deadline = ContinuousClock.now + configuration.maxStaleness
        var pause = Duration.milliseconds(2)
        while ContinuousClock.now < deadline {
            let remaining = deadline - .now
            let pending = try? await Deadline.run(within: remaining) { [client, sql, replicaID, configuration] in
                let rows = try await client.query(
                    sql.pendingAcknowledgements(
                        of: sequence, except: replicaID, liveness: configuration.replicaLiveness.inSeconds))
                return try await Self.firstRow(rows)?.decode(Int64.self) ?? 0
            }
            if pending == 0 { return }
            if pending == nil { break }
            try? await Task.sleep(for: min(pause, max(.zero, deadline - .now)))
            pause = min(pause * 2, .milliseconds(50))
        }
        let rest = deadline - .now
        if rest > .zero { try? await Task.sleep(for: rest) }
        logger.notice(
            "revocation not acknowledged by every replica; waited the staleness bound instead",
            metadata: ["revocation.seq": "\(sequence)"])
    }
}

/// The notification stream ended, or this replica's registration vanished.
struct ListenerEnded: Error, CustomStringConvertible {
    var description: String { "the listening connection ended" }
}
