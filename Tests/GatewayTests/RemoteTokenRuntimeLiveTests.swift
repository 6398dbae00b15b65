import AsyncHTTPClient
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
import TokenRuntime
@testable import Gateway

/// RemoteTokenRuntime against a real platform-token-runtime serving HTTP on 127.0.0.1.
@Suite struct RemoteTokenRuntimeLiveTests {
    @Test func missHitRevokeAndOutage() async throws {
        let runtimeConfiguration = RuntimeConfiguration.testing()
        let runtime = RuntimeApplication(configuration: runtimeConfiguration)
        let app = Application(router: runtime.buildRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let gatewayClock = ManualWallClock(SystemWallClock().now())
        // Generous: CI runs this beside every other suite on two cores, and a slow answer is not what this test is about
        // (aSilentRuntimeTimesOutWithinTheDeadline is). A refused connection after the runtime stops fails at once anyway.
        let timeouts = HTTPTimeoutConfig(dial: .seconds(2), read: .seconds(10), write: .seconds(10))
        let httpClient = buildTimeoutClient(timeouts)
        let cache = IntrospectionCache(config: TokenCacheConfig(activeTTL: .seconds(30)), clock: gatewayClock)
        let factory = TestMetricsFactory()
        let metrics = TokenCacheMetrics(factory: factory)

        let (remote, cachedToken) = try await app.test(.live) { client -> (RemoteTokenRuntime, String) in
            let port = try #require(client.port)
            let remote = RemoteTokenRuntime(
                client: HTTPIntrospectionClient(
                    baseURL: "http://127.0.0.1:\(port)", secret: runtimeConfiguration.introspectionSecret,
                    httpClient: httpClient, deadline: .seconds(10)),
                cache: cache, metrics: metrics, logger: Logger(label: "test"))
            let issued = try await runtime.service.issue(IssueTokenRequest(subject: "alice", ttlSeconds: 3600))
            guard case .active(let claims) = await remote.verify(issued.token) else {
                throw TestFailure("expected active")
            }
            #expect(claims.subject == "alice")
            #expect(claims.jti == issued.view.id)
            #expect(cache.statistics.misses == 1)
            #expect(await remote.verify(issued.token).isActive)
            #expect(cache.statistics.hits == 1)
            #expect(remote.cacheHitRate() == 0.5)

            // Revoked: still served from cache until the active TTL runs out, then revoked.
            let doomed = try await runtime.service.issue(IssueTokenRequest(subject: "bob"))
            #expect(await remote.verify(doomed.token).isActive)
            _ = try await runtime.service.revoke(id: doomed.view.id)
            #expect(await remote.verify(doomed.token).isActive)
            gatewayClock.advance(by: 30)
            #expect(await remote.verify(doomed.token) == .inactive(.revoked))
            // The first token was re-introspected too after the TTL; it is still active.
            #expect(await remote.verify(issued.token).isActive)

            // A wrong secret is an outage, not an answer.
            let wrongSecret = RemoteTokenRuntime(
                client: HTTPIntrospectionClient(
                    baseURL: "http://127.0.0.1:\(port)", secret: "wrong-secret-0123456789", httpClient: httpClient,
                    deadline: .seconds(10)),
                cache: IntrospectionCache(), metrics: metrics, logger: Logger(label: "test"))
            #expect(await wrongSecret.verify(issued.token) == .unavailable(.error))
            return (remote, issued.token)
        }

        // The runtime is stopped now.
        #expect(await remote.verify(cachedToken).isActive)
        let start = ContinuousClock.now
        #expect(await remote.verify(TokenFormat.generate()) == .unavailable(.error))
        #expect(ContinuousClock.now - start < .seconds(3))
        // Nothing was cached for the failed lookup.
        #expect(cache.statistics.entries == 2)

        metrics.publish(cache.statistics)
        let text = factory.registry.emitToString()
        #expect(text.contains("gateway_token_cache_hits_total"))
        #expect(text.contains(#"gateway_token_runtime_request_duration_seconds_count{outcome="active"} 3"#))
        #expect(text.contains(#"gateway_token_runtime_request_duration_seconds_count{outcome="inactive"} 1"#))
        #expect(text.contains(#"gateway_token_runtime_request_duration_seconds_count{outcome="error"} 2"#))
        #expect(text.contains(#"gateway_token_cache_evictions_total{reason="expired"} 2"#))
        try await httpClient.shutdown()
    }

    @Test func aSilentRuntimeTimesOutWithinTheDeadline() async throws {
        // A server that accepts and never answers.
        let router = Router()
        router.post("/v1/introspect") { _, _ -> Response in
            try await Task.sleep(for: .seconds(1))
            return Response(status: .ok)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let httpClient = buildTimeoutClient(HTTPTimeoutConfig(read: .seconds(5)))
        try await app.test(.live) { client in
            let remote = RemoteTokenRuntime(
                client: HTTPIntrospectionClient(
                    baseURL: "http://127.0.0.1:\(try #require(client.port))", secret: "s", httpClient: httpClient,
                    deadline: .milliseconds(300)),
                cache: IntrospectionCache(), metrics: TokenCacheMetrics(factory: TestMetricsFactory()),
                logger: Logger(label: "test"))
            let start = ContinuousClock.now
            #expect(await remote.verify(TokenFormat.generate()) == .unavailable(.timeout))
            #expect(ContinuousClock.now - start < .seconds(2))
        }
        try await httpClient.shutdown()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
