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

@Suite struct SSEParserTests {
    @Test func parsesEventsAcrossArbitraryChunkBoundaries() {
        let text = "retry: 1000\n\n: heartbeat\n\nevent: revoked\nid: e-1\ndata: {\"a\":1}\n\nevent: reset\r\nid: e-2\r\ndata: x\r\ndata: y\r\n\r\n"
        let bytes = Array(text.utf8)
        for split in [1, 2, 3, 7, bytes.count] {
            var parser = SSEParser()
            var events: [SSEParser.Event] = []
            var index = 0
            while index < bytes.count {
                events += parser.feed(bytes[index..<min(bytes.count, index + split)])
                index += split
            }
            #expect(events == [
                .init(type: "revoked", id: "e-1", data: #"{"a":1}"#), .init(type: "reset", id: "e-2", data: "x\ny"),
            ])
        }
    }
}

/// A gateway (remote mode, default 30 s active TTL) following a real runtime's event stream.
@Suite struct RevocationStreamTests {
    func withRuntimeAndGateway(
        _ body: @escaping @Sendable (RuntimeApplication, GatewayApplication, any TestClientProtocol) async throws -> Void
    ) async throws {
        let runtimeConfiguration = RuntimeConfiguration.testing()
        let runtime = RuntimeApplication(configuration: runtimeConfiguration)
        let runtimeApp = Application(router: runtime.buildRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await runtimeApp.test(.live) { runtimeClient in
            let configuration = try GatewayHarness.configuration(
                [
                    "GATEWAY_TOKEN_RUNTIME_MODE": "remote_introspection",
                    "GATEWAY_TOKEN_RUNTIME_URL": "http://127.0.0.1:\(runtimeClient.port!)",
                    "GATEWAY_TOKEN_RUNTIME_SECRET": runtimeConfiguration.introspectionSecret,
                ], providers: GatewayHarness.mockProviders())
            let gateway = try await GatewayApplication.build(configuration: configuration, logger: Logger(label: "test"))
            #expect(gateway.cache?.config.activeTTL == .seconds(30))
            try await gateway.buildApplication().test(.live) { client in
                let subscriber = try #require(gateway.revocations)
                try await poll("stream connected") { subscriber.streamState == .connected }
                try await body(runtime, gateway, client)
            }
        }
    }

    @Test func aRevokedTokenIsRefusedOnItsNextRequestDespiteTheCache() async throws {
        try await withRuntimeAndGateway { runtime, gateway, client in
            let issued = try await runtime.service.issue(IssueTokenRequest(subject: "alice"))
            try await client.execute(uri: "/v1/models", method: .get, headers: GatewayHarness.auth(issued.token)) { #expect($0.status == .ok) }
            #expect(gateway.cache?.statistics.entries == 1)
            let revokedAt = ContinuousClock.now
            _ = try await runtime.service.revoke(id: issued.view.id)
            try await poll("token refused") {
                try await client.execute(uri: "/v1/models", method: .get, headers: GatewayHarness.auth(issued.token)) { $0.status == .unauthorized }
            }
            // Generous bound for a loaded CI machine; bench/ measures the real distribution.
            #expect(ContinuousClock.now - revokedAt < .seconds(2))
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(String(buffer: response.body).contains(#""revocation_stream":"connected""#))
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(String(buffer: response.body).contains("gateway_revocation_events_total 1"))
                #expect(String(buffer: response.body).contains("gateway_revocation_stream_connected 1"))
            }
        }
    }

    @Test func aRevocationThatRacesAnIntrospectionStaysRevoked() {
        let cache = IntrospectionCache(clock: ManualWallClock())
        let digest = TokenDigest(token: "racing")
        cache.markRevoked(digest)
        // The (older) active answer arrives after the pushed revocation.
        let verdict = cache.store(digest, IntrospectionResponse(active: true, sub: "a", exp: 4_000_000_000, jti: "tok_1", status: .active))
        #expect(verdict == .inactive(.revoked))
        #expect(cache.lookup(digest) == .inactive(.revoked))
    }

    @Test func aResetDropsCachedActiveEntries() {
        let cache = IntrospectionCache(clock: ManualWallClock())
        let subscriber = RevocationSubscriber(
            baseURL: "http://127.0.0.1:1", secret: "s", httpClient: HTTPClient.shared, cache: cache, metrics: GatewayMetrics(),
            logger: Logger(label: "test"))
        cache.store(TokenDigest(token: "a"), IntrospectionResponse(active: true, sub: "a", exp: 4_000_000_000, jti: "tok_1", status: .active))
        subscriber.apply(.init(type: "reset", id: "e-9", data: "{}"))
        #expect(cache.lookup(TokenDigest(token: "a")) == nil)
        #expect(subscriber.lastEventID == "e-9")
        let digest = TokenDigest(token: "b")
        subscriber.apply(.init(type: "revoked", id: "e-10", data: #"{"jti":"tok_2","token_digest":"\#(digest.hex)","revoked_at":1}"#))
        #expect(cache.lookup(digest) == .inactive(.revoked))
        #expect(subscriber.lastEventID == "e-10")
    }

    /// The subscriber's reconnect delays are ServiceSupport's RetryBackoff (the audit writer's and
    /// the runtime's listener's too): doubling from the base, capped, jittered in the upper half.
    @Test func backoffIsCappedAndJittered() {
        var backoff = RetryBackoff(initial: .milliseconds(100), maximum: .seconds(5))
        for failures in 0..<40 {
            let delay = backoff.next()
            let ceiling = min(5.0, 0.1 * Double(1 << min(failures, 16)))
            #expect(delay.inSeconds >= ceiling / 2 - 0.001 && delay.inSeconds <= ceiling + 0.001)
        }
        backoff.reset()
        #expect(backoff.next() <= .milliseconds(100))
    }
}

/// Polls `condition` every 10 ms until `within` has passed.
func poll(_ what: String, within: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + within
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw TestFailure("timed out waiting for: \(what)")
}
