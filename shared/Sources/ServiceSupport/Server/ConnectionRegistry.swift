import Logging
import NIOCore
import Synchronization

/// The open connections of one server, bounded by `maxConnections`. At the cap, the connection
/// idle for longest is closed to make room for a new one; when none is idle, the new connection
/// is refused (closed at once). Connections say whether they are idle through
/// ``TrackedConnection/setIdle(since:)``, without taking the lock; the lock is taken once when a
/// connection opens and once when it closes, and the scan for an idle one happens only at the cap.
public final class ConnectionRegistry: Sendable {
    public let maxConnections: Int
    let metrics: ServerConnectionMetrics
    let logger: Logger
    private let connections = Mutex<[ObjectIdentifier: TrackedConnection]>([:])

    public init(maxConnections: Int, metrics: ServerConnectionMetrics, logger: Logger) {
        self.maxConnections = maxConnections
        self.metrics = metrics
        self.logger = logger
    }

    /// Open connections now.
    public var count: Int { connections.withLock { $0.count } }

    /// Admits `channel`, closing an idle connection first when at the cap; nil when refused.
    public func admit(_ channel: any Channel, now: NIODeadline = .now()) -> TrackedConnection? {
        let connection = TrackedConnection(channel: channel, openedAt: now)
        let (admitted, evicted) = connections.withLock { table -> (Bool, TrackedConnection?) in
            var victim: TrackedConnection?
            if table.count >= maxConnections {
                var oldest = UInt64.max
                for candidate in table.values {
                    let since = candidate.idleSince
                    if since != TrackedConnection.busy, since < oldest {
                        oldest = since
                        victim = candidate
                    }
                }
                guard let victim else { return (false, nil) }
                table[ObjectIdentifier(victim)] = nil
            }
            table[ObjectIdentifier(connection)] = connection
            open(table.count)
            return (true, victim)
        }
        if let evicted {
            metrics.evicted.increment()
            logger.debug("closing the longest-idle connection to make room", metadata: ["connections.max": "\(maxConnections)"])
            evicted.channel.close(promise: nil)
        }
        guard admitted else {
            metrics.refused.increment()
            logger.debug("refusing a connection: at the cap and none idle", metadata: ["connections.max": "\(maxConnections)"])
            return nil
        }
        return connection
    }

    /// Forgets a closed connection (idempotent: an evicted one was already forgotten).
    public func remove(_ connection: TrackedConnection) {
        connections.withLock { table in
            if table.removeValue(forKey: ObjectIdentifier(connection)) != nil { open(table.count) }
        }
    }

    private func open(_ count: Int) {
        metrics.open.record(count)
    }
}

/// One open connection as the registry sees it: its channel, and since when it has been idle.
public final class TrackedConnection: Sendable {
    static let busy: UInt64 = .max
    public let channel: any Channel
    private let idle: Atomic<UInt64>

    init(channel: any Channel, openedAt: NIODeadline) {
        self.channel = channel
        self.idle = Atomic(openedAt.uptimeNanoseconds)
    }

    /// Uptime nanoseconds since which the connection has been idle, or ``busy``.
    var idleSince: UInt64 { idle.load(ordering: .relaxed) }

    /// Idle since `since` (evictable), or busy (nil): a request is being read or answered.
    public func setIdle(since: NIODeadline?) {
        idle.store(since.map { min($0.uptimeNanoseconds, Self.busy - 1) } ?? Self.busy, ordering: .relaxed)
    }
}
