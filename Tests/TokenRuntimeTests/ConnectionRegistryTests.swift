import Logging
import NIOCore
import NIOEmbedded
import Prometheus
import Testing
import ServiceSupport
@testable import TokenRuntime

/// The connection cap: at the cap the longest-idle connection makes room; with none idle the new
/// one is refused, and each is counted.
@Suite struct ConnectionRegistryTests {
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    func connected() async throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        return channel
    }

    @Test func atTheCapTheLongestIdleMakesRoomAndWithNoneIdleTheNewOneIsRefused() async throws {
        let prometheus = PrometheusCollectorRegistry()
        let metrics = ServerConnectionMetrics(prefix: "test", factory: PrometheusMetricsFactory(registry: prometheus))
        let registry = ConnectionRegistry(maxConnections: 2, metrics: metrics, logger: Logger(label: "test"))
        let (a, b, c, d) = (try await connected(), try await connected(), try await connected(), try await connected())
        #expect(a.isActive && b.isActive)
        let trackedA = try #require(registry.admit(a, now: t0))
        let trackedB = try #require(registry.admit(b, now: t0 + .seconds(1)))
        trackedA.setIdle(since: t0 + .seconds(5))  // a served a request since: b is idle for longer
        let trackedC = try #require(registry.admit(c, now: t0 + .seconds(6)))
        #expect(registry.count == 2)
        #expect(!b.isActive, "b was idle longest and should have been closed")
        #expect(a.isActive)
        registry.remove(trackedB)  // its close: already forgotten, nothing changes
        #expect(registry.count == 2)

        trackedA.setIdle(since: nil)
        trackedC.setIdle(since: nil)
        #expect(registry.admit(d, now: t0 + .seconds(7)) == nil)
        #expect(a.isActive && c.isActive)
        registry.remove(trackedA)
        #expect(registry.count == 1)
        #expect(registry.admit(d, now: t0 + .seconds(8)) != nil)

        let text = String(decoding: prometheus.emitToBuffer(), as: UTF8.self)
        #expect(text.contains("test_server_connections_evicted_total 1"), "\(text)")
        #expect(text.contains("test_server_connections_refused_total 1"), "\(text)")
        #expect(text.contains("test_server_connections_open 2"), "\(text)")
    }
}
