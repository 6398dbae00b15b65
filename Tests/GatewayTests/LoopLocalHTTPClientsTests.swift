import AsyncHTTPClient
import NIOCore
import NIOPosix
import Testing

import ServiceSupport
@testable import Gateway

/// A proxied request must use a client whose connections live on the handler's own event loop, so
/// it never changes threads; `GATEWAY_HTTP_MAX_IDLE_CONNS` decides which of the loop's two clients
/// carries it, never whether it may run (see `LoopLocalHTTPClients`).
@Suite struct LoopLocalHTTPClientsTests {
    @Test func eachLoopGetsTheClientsBoundToIt() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        let clients = LoopLocalHTTPClients(HTTPTimeoutConfig(), eventLoopGroup: group)
        #expect(clients.loops.count == 3)
        for (index, loop) in clients.loops.enumerated() {
            let picked = try await loop.eventLoop.submit { ObjectIdentifier(clients.currentLoop) }.get()
            #expect(picked == ObjectIdentifier(clients.loops[index]), "loop \(index)")
            #expect(clients.loops[index].pooled.eventLoopGroup === loop.eventLoop)
            #expect(clients.loops[index].overflow.eventLoopGroup === loop.eventLoop)
        }
        // Off the group's threads any of them will do, but it must be one of them.
        let offLoop = clients.currentLoop
        #expect(clients.loops.contains { $0 === offLoop })
        try await clients.shutdown()
        try await group.shutdownGracefully()
    }

    /// The idle allowance is shared over the loops (rounded up); requests beyond it go to the
    /// overflow client instead of waiting, and a dropped lease gives its place back.
    @Test func requestsBeyondTheIdleAllowanceOverflowInsteadOfWaiting() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let clients = LoopLocalHTTPClients(HTTPTimeoutConfig(maxIdleConnections: 5), eventLoopGroup: group)
        #expect(clients.idlePerLoop == 3)
        let loop = clients.loops[0]
        var leases: [LoopLocalHTTPClients.Lease] = []
        for _ in 0..<5 {
            leases.append(try await clients.lease(on: loop))
        }
        let kinds = leases.map { $0.client === loop.pooled ? "pooled" : $0.client === loop.overflow ? "overflow" : "other" }
        #expect(kinds == ["pooled", "pooled", "pooled", "overflow", "overflow"])
        #expect(loop.pooledInFlight.load(ordering: .relaxed) == 3)
        leases.removeFirst()
        #expect(loop.pooledInFlight.load(ordering: .relaxed) == 2)
        let next = try await clients.lease(on: loop)
        #expect(next.client === loop.pooled)
        leases.removeAll()
        _ = consume next
        #expect(loop.pooledInFlight.load(ordering: .relaxed) == 0)
        // Neither client may make a request wait for a connection.
        #expect(clients.pooledConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit == 3)
        #expect(
            clients.overflowConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit
                == HTTPTimeoutConfig.unboundedConnections)
        #expect(clients.overflowConfiguration.connectionPool.idleTimeout == .milliseconds(1))
        try await clients.shutdown()
        try await group.shutdownGracefully()
    }

    /// With `GATEWAY_HTTP_MAX_CONNS_PER_HOST`, leases hold the per-host slots.
    @Test func anExplicitCapMakesTheNextRequestWaitThenFail() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clients = LoopLocalHTTPClients(
            HTTPTimeoutConfig(maxConnectionsPerHost: 2, poolWait: .milliseconds(20)), eventLoopGroup: group)
        let first = try await clients.lease()
        let second = try await clients.lease()
        await #expect(throws: UpstreamError.busy) { _ = try await clients.lease() }
        _ = consume first
        let third = try await clients.lease()
        #expect(clients.slots?.usage.inUse == 2)
        _ = consume second
        _ = consume third
        #expect(clients.slots?.usage.inUse == 0)
        try await clients.shutdown()
        try await group.shutdownGracefully()
    }
}
