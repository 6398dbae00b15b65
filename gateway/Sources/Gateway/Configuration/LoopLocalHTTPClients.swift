import AsyncHTTPClient
import NIOCore
import NIOPosix

/// One AsyncHTTPClient (built by ``buildTimeoutClient(_:eventLoopGroup:)``) per event loop of a
/// group; ``current`` is the one whose connections live on the calling thread's event loop.
///
/// The gateway's request handlers run on the event loop that owns their inbound connection (NIO is
/// the concurrency executor, see `ConcurrencyExecutor`). A client spread over the whole group hands a
/// proxied request to a connection on another loop and the answer back again: two thread wake-ups
/// per request, about a fifth of the gateway's CPU under load (perf, bench/HISTORY.md). With a client
/// per loop, a proxied request never leaves its thread. Pool limits apply per loop.
public final class LoopLocalHTTPClients: Sendable {
    let loops: [any EventLoop]
    let clients: [HTTPClient]

    public init(_ config: HTTPTimeoutConfig, eventLoopGroup: MultiThreadedEventLoopGroup = .singleton) {
        loops = Array(eventLoopGroup.makeIterator())
        clients = loops.map { buildTimeoutClient(config, eventLoopGroup: $0) }
    }

    /// The client for the calling event loop; off the group's loops (tests, startup), any of them.
    public var current: HTTPClient {
        for (index, loop) in loops.enumerated() where loop.inEventLoop {
            return clients[index]
        }
        return clients[Int.random(in: 0..<clients.count)]
    }

    public func shutdown() async throws {
        for client in clients { try await client.shutdown() }
    }
}
