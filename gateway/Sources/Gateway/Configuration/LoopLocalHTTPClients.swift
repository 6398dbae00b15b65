import ServiceSupport
import AsyncHTTPClient
import NIOCore
import NIOPosix
import Synchronization

/// The outbound connections to one provider host: AsyncHTTPClients per event loop, and the pool
/// semantics of `GATEWAY_HTTP_MAX_IDLE_CONNS`, `GATEWAY_HTTP_MAX_CONNS_PER_HOST` and
/// `GATEWAY_HTTP_POOL_WAIT` in one place (``lease()``).
///
/// - **Per event loop.** The gateway's request handlers run on the event loop that owns their
///   inbound connection (NIO is the concurrency executor, see `ConcurrencyExecutor`). A client
///   spread over the whole group hands a proxied request to a connection on another loop and the
///   answer back again: two thread wake-ups per request, about a fifth of the gateway's CPU under
///   load (perf, bench/HISTORY.md). With clients per loop, a proxied request never leaves its thread.
/// - **Idle connections, not concurrency.** `GATEWAY_HTTP_MAX_IDLE_CONNS` bounds the connections
///   kept open for reuse (as Go's `http.Transport` does), never how many requests run at once. Each
///   loop has a *pooled* client that keeps up to its share of that number (the number divided over
///   the loops, rounded up) and an *overflow* client for requests beyond it, whose connections are
///   closed as soon as their request is done. Neither client ever makes a request wait for a
///   connection (AsyncHTTPClient's own queue would fail such a request with a connect timeout,
///   which routing would take for an unreachable provider).
/// - **An explicit cap** (`GATEWAY_HTTP_MAX_CONNS_PER_HOST` > 0): ``ConnectionSlots`` shared by
///   all loops; a request waits for a slot in a bounded queue up to `GATEWAY_HTTP_POOL_WAIT`, then
///   fails with ``UpstreamError/busy``.
///
/// A ``Lease`` holds the in-flight count and the slot until it is released, which happens when it
/// is dropped: the proxy keeps it with the upstream answer until the answer's last byte was relayed.
public final class LoopLocalHTTPClients: Sendable {
    /// One event loop's clients and how many requests its pooled client carries.
    final class Loop: Sendable {
        let eventLoop: any EventLoop
        let pooled: HTTPClient
        let overflow: HTTPClient
        let pooledInFlight = Atomic<Int>(0)

        init(eventLoop: any EventLoop, pooled: HTTPClient, overflow: HTTPClient) {
            self.eventLoop = eventLoop
            self.pooled = pooled
            self.overflow = overflow
        }
    }

    /// The right to use one connection: the client to send on, the slot under an explicit cap, and
    /// how long the request waited for it. Dropping it gives both back.
    public final class Lease: UpstreamLease {
        public let client: HTTPClient
        /// Time spent waiting for a slot under `GATEWAY_HTTP_MAX_CONNS_PER_HOST` (zero without a cap).
        public let waited: Duration
        let pooledOn: Loop?
        let permit: ConnectionSlots.Permit?

        init(client: HTTPClient, waited: Duration, pooledOn: Loop?, permit: ConnectionSlots.Permit?) {
            self.client = client
            self.waited = waited
            self.pooledOn = pooledOn
            self.permit = permit
        }

        deinit { pooledOn?.pooledInFlight.subtract(1, ordering: .relaxed) }
    }

    let loops: [Loop]
    /// Connections each loop's pooled client keeps for reuse.
    let idlePerLoop: Int
    let slots: ConnectionSlots?
    let poolWait: Duration
    /// What each loop's two clients are built with.
    let pooledConfiguration: HTTPClient.Configuration
    let overflowConfiguration: HTTPClient.Configuration

    /// - Parameter base: the clients' configuration before pooling (default: `config`'s).
    public init(
        _ config: HTTPTimeoutConfig, configuration base: HTTPClient.Configuration? = nil,
        eventLoopGroup: MultiThreadedEventLoopGroup = .singleton
    ) {
        let eventLoops = Array(eventLoopGroup.makeIterator())
        let idle = config.idleConnectionsPerLoop(loops: eventLoops.count)
        idlePerLoop = idle
        let base = base ?? config.clientConfiguration
        var pooledConfiguration = base
        pooledConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = idle
        var overflowConfiguration = base
        overflowConfiguration.connectionPool.idleTimeout = .milliseconds(1)
        self.pooledConfiguration = pooledConfiguration
        self.overflowConfiguration = overflowConfiguration
        loops = eventLoops.map { loop in
            Loop(
                eventLoop: loop, pooled: HTTPClient(eventLoopGroup: loop, configuration: pooledConfiguration),
                overflow: HTTPClient(eventLoopGroup: loop, configuration: overflowConfiguration))
        }
        slots = config.maxConnectionsPerHost > 0 ? ConnectionSlots(limit: config.maxConnectionsPerHost) : nil
        poolWait = config.poolWait
    }

    /// The calling thread's loop; off the group's loops (tests, startup), any of them.
    var currentLoop: Loop {
        for loop in loops where loop.eventLoop.inEventLoop { return loop }
        return loops[Int.random(in: 0..<loops.count)]
    }

    /// A client for one request on the calling loop, after waiting for a slot if there is a cap.
    /// Throws ``UpstreamError/busy`` when the cap stays full for `GATEWAY_HTTP_POOL_WAIT`.
    public func lease() async throws -> Lease {
        try await lease(on: nil)
    }

    /// ``lease()`` on a given loop (tests); nil: the loop the caller runs on after any wait.
    func lease(on fixedLoop: Loop?) async throws -> Lease {
        let slot = try await slots?.acquireTimed(timeout: poolWait)
        let permit = slot?.permit
        let waited = slot?.waited ?? .zero
        let loop = fixedLoop ?? currentLoop
        if loop.pooledInFlight.add(1, ordering: .relaxed).oldValue < idlePerLoop {
            return Lease(client: loop.pooled, waited: waited, pooledOn: loop, permit: permit)
        }
        loop.pooledInFlight.subtract(1, ordering: .relaxed)
        return Lease(client: loop.overflow, waited: waited, pooledOn: nil, permit: permit)
    }

    public func shutdown() async throws {
        for loop in loops {
            try await loop.pooled.shutdown()
            try await loop.overflow.shutdown()
        }
    }
}
