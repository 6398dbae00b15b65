import AsyncHTTPClient
import NIOCore
import NIOPosix
import Testing

@testable import Gateway

/// A proxied request must use the client whose connections live on the handler's own event loop,
/// so it never changes threads (see `LoopLocalHTTPClients`).
@Suite struct LoopLocalHTTPClientsTests {
    @Test func eachLoopGetsTheClientBoundToIt() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        let clients = LoopLocalHTTPClients(HTTPTimeoutConfig(), eventLoopGroup: group)
        #expect(clients.clients.count == 3)
        for (index, loop) in clients.loops.enumerated() {
            let picked = try await loop.submit { ObjectIdentifier(clients.current) }.get()
            #expect(picked == ObjectIdentifier(clients.clients[index]), "loop \(index)")
            #expect(clients.clients[index].eventLoopGroup === loop)
        }
        // Off the group's threads any of them will do, but it must be one of them.
        let offLoop = clients.current
        #expect(clients.clients.contains { $0 === offLoop })
        try await clients.shutdown()
        try await group.shutdownGracefully()
    }
}
