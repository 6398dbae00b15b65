import Foundation
import Testing
import TokenProtocol

/// Revocation, expiry and a token runtime that dies: what a gateway in remote-introspection mode
/// lets through, and how soon it stops.
@Suite struct TokenLifecycleThroughGatewayTests {
    /// One token cached by three gateways, then revoked once:
    /// - default 30 s active TTL, revocation stream off: still served right after (the cache at work);
    /// - 1 s active TTL, stream off: refused within 3 s (the TTL bounds staleness);
    /// - default TTL, stream on (the default): refused within 3 s (the push).
    @Test func revocationIsBoundedByTheActiveTTLOrPushedByTheStream() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let providers = [ProviderEntry(name: "mock", port: upstream.port)]
            async let cachedStart = stack.gateway(
                "gateway-default-ttl", runtime: runtime, providers: providers, environment: ["GATEWAY_REVOCATION_STREAM": "off"])
            async let shortStart = stack.gateway(
                "gateway-1s-ttl", runtime: runtime, providers: providers,
                environment: ["GATEWAY_REVOCATION_STREAM": "off", "GATEWAY_TOKEN_CACHE_ACTIVE_TTL": "1s"])
            async let pushedStart = stack.gateway("gateway-stream", runtime: runtime, providers: providers)
            let (cached, short, pushed) = try await (cachedStart, shortStart, pushedStart)
            // The stream gateway must be subscribed before the revocation, or there is nothing to push.
            let subscribed = await poll(timeout: .seconds(20)) {
                (try? await pushed.get("/readyz").body.contains(#""revocation_stream":"connected""#)) ?? false
            }
            #expect(subscribed != nil, stack.logs("the revocation stream never connected"))

            let issued = try await runtime.issue(subject: "to-be-revoked")
            for gateway in [cached, short, pushed] {
                let answer = try await gateway.chat(issued.token)
                #expect(answer.status == 200, stack.logs("\(answer)"))
            }

            try await runtime.revoke(issued.id)
            let revokedAt = ContinuousClock.now

            // The 30 s cache still has it as active: served, although the runtime says revoked.
            let stale = try await cached.chat(issued.token)
            #expect(stale.status == 200, stack.logs("expected the cached answer right after revocation: \(stale)"))

            let pollStart = ContinuousClock.now
            async let shortRefused = poll(timeout: .seconds(10)) { (try? await short.chat(issued.token).status) == 401 }
            async let pushedRefused = poll(timeout: .seconds(10)) { (try? await pushed.chat(issued.token).status) == 401 }
            // Time from the revocation to the first refusal, per gateway (nil: never within 10 s).
            let (shortDelay, pushedDelay) = await (shortRefused, pushedRefused)
            let shortSince = shortDelay.map { pollStart - revokedAt + $0 }
            let pushedSince = pushedDelay.map { pollStart - revokedAt + $0 }
            #expect(shortSince.map { $0 < .seconds(3) } == true, stack.logs("1 s TTL: refused after \(String(describing: shortSince))"))
            #expect(pushedSince.map { $0 < .seconds(3) } == true, stack.logs("stream: refused after \(String(describing: pushedSince))"))

            let refused = try await short.chat(issued.token)
            #expect(refused.status == 401 && refused.isOpenAIError, "\(refused)")
            #expect(refused.headers.first(name: "www-authenticate")?.contains("invalid_token") == true)
            #expect(refused.body.contains("revoked"), "\(refused)")
            let pushedEvents = try await pushed.metric("gateway_revocation_events_total")
            #expect(pushedEvents >= 1)

            // Another token keeps working everywhere: revocation is per token.
            let other = try await runtime.issue(subject: "still-active")
            for gateway in [cached, short, pushed] {
                #expect(try await gateway.chat(other.token).status == 200)
            }
        }
    }

    /// A 2 s token stops working at its `exp`, although the active TTL (30 s) would keep it longer.
    @Test func anExpiredTokenIsRefusedAtItsExp() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)],
                environment: ["GATEWAY_TOKEN_CACHE_ACTIVE_TTL": "30s"])

            let issued = try await runtime.issue(subject: "short-lived", ttlSeconds: 2)
            let first = try await gateway.chat(issued.token)
            #expect(first.status == 200, stack.logs("\(first)"))

            var lastAnswer: HTTPResult?
            let refused = await poll(timeout: .seconds(15), every: .milliseconds(100)) {
                lastAnswer = try? await gateway.chat(issued.token)
                return lastAnswer?.status == 401
            }
            let now = Date().timeIntervalSince1970
            #expect(refused != nil, stack.logs("still served 15 s after issue: \(String(describing: lastAnswer))"))
            // Never refused before exp (a little slack for second-granularity claims), always by exp + 2 s.
            #expect(now >= Double(issued.expiresAt) - 0.5, "refused at \(now), before exp \(issued.expiresAt)")
            #expect(now <= Double(issued.expiresAt) + 2, stack.logs("refused at \(now), more than 2 s after exp \(issued.expiresAt)"))
            #expect(lastAnswer?.body.contains("expired") == true, "\(String(describing: lastAnswer))")
        }
    }

    /// The runtime is SIGKILLed: a cached token keeps working, an uncached one gets 503 at once
    /// (fail closed); a runtime restarted on the same port is used again without restarting the gateway.
    @Test func theGatewaySurvivesItsTokenRuntimeDyingAndComingBack() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime("token-runtime-1")
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateway = try await stack.gateway(runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)])

            let used = try await runtime.issue(subject: "used-before-the-crash")
            let unused = try await runtime.issue(subject: "never-used")
            #expect(try await gateway.chat(used.token).status == 200, stack.logs)

            await runtime.process.forceKill()
            #expect(!runtime.process.isRunning)

            let cached = try await gateway.chat(used.token)
            #expect(cached.status == 200, stack.logs("a cached token must keep working while the runtime is down: \(cached)"))

            let start = ContinuousClock.now
            let uncached = try await gateway.chat(unused.token)
            let elapsed = ContinuousClock.now - start
            #expect(uncached.status == 503 && uncached.isOpenAIError, stack.logs("\(uncached)"))
            #expect(elapsed < .seconds(5), "503 took \(elapsed)")
            let ready = try await gateway.get("/readyz")
            #expect(ready.status == 503 && ready.body.contains(#""token_runtime":"down""#), "\(ready)")
            #expect(gateway.process.isRunning)

            // Same port, fresh memory store: the old tokens are gone, a new one works at once.
            let restarted = try await stack.tokenRuntime("token-runtime-2", port: runtime.port)
            let fresh = try await restarted.issue(subject: "after-the-restart")
            let served = try await gateway.chat(fresh.token)
            #expect(served.status == 200, stack.logs("the restarted runtime was not used: \(served)"))
            let gone = try await gateway.chat(unused.token)
            #expect(gone.status == 401, "a token the new runtime never issued: \(gone)")
            // The revocation stream resumes against a new epoch, gets `reset` and drops the cached
            // active entries: the token from before the restart stops working well before its 30 s TTL.
            let forgotten = await poll(timeout: .seconds(20), every: .milliseconds(100)) {
                (try? await gateway.chat(used.token).status) == 401
            }
            #expect(forgotten != nil, stack.logs("the pre-restart token was still served 20 s after the restart"))
            #expect(try await gateway.get("/readyz").status == 200)
        }
    }
}
