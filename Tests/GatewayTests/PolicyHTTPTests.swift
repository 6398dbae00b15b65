import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
import TokenRuntime
@testable import Gateway
import GatewayInProcessRuntime

@Suite struct CORSTests {
    func gateway() async throws -> (GatewayApplication, String) {
        try await GatewayHarness.build(
            ["GATEWAY_CORS_ALLOW_ORIGINS": "https://app.example.com"], providers: GatewayHarness.mockProviders())
    }

    @Test func preflightFromAnAllowedOrigin() async throws {
        let (gateway, _) = try await gateway()
        try await gateway.buildApplication().test(.router) { client in
            try await client.execute(
                uri: "/v1/chat/completions", method: .options,
                headers: [.origin: "https://app.example.com", .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "authorization, content-type"]
            ) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == "https://app.example.com")
                #expect(response.headers[.accessControlAllowMethods]?.contains("POST") == true)
                let allowed = response.headers[.accessControlAllowHeaders]?.lowercased() ?? ""
                #expect(allowed.contains("authorization") && allowed.contains("content-type") && allowed.contains("x-request-id"))
                #expect(response.headers[.vary] == "Origin")
            }
        }
    }

    @Test func preflightFromAnotherOriginIsRefused() async throws {
        let (gateway, _) = try await gateway()
        try await gateway.buildApplication().test(.router) { client in
            try await client.execute(
                uri: "/v1/chat/completions", method: .options,
                headers: [.origin: "https://evil.example.com", .accessControlRequestMethod: "POST"]
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test func simpleRequestsEchoOnlyAllowedOrigins() async throws {
        let (gateway, token) = try await gateway()
        try await gateway.buildApplication().test(.router) { client in
            var headers = GatewayHarness.auth(token)
            headers[.origin] = "https://app.example.com"
            try await client.execute(uri: "/v1/models", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == "https://app.example.com")
                #expect(response.headers[.vary] == "Origin")
            }
            headers[.origin] = "https://evil.example.com"
            try await client.execute(uri: "/v1/models", method: .get, headers: headers) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
                #expect(response.headers[.vary] == "Origin")
            }
        }
    }
}

@Suite struct RateLimitHTTPTests {
    let clock = ManualWallClock(1_900_000_000)

    func post(_ client: some TestClientProtocol, _ token: String) async throws -> TestResponse {
        try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody()) { $0 }
    }

    @Test func theRequestAfterTheLimitIs429WithHeadersAndTheWindowRefills() async throws {
        let (gateway, token) = try await GatewayHarness.build(["GATEWAY_RATE_LIMIT_RPM": "3"], providers: GatewayHarness.mockProviders(), clock: clock)
        try await gateway.buildApplication().test(.router) { client in
            for expectedRemaining in [2, 1, 0] {
                let response = try await post(client, token)
                #expect(response.status == .ok)
                #expect(response.headers[.init("x-ratelimit-limit-requests")!] == "3")
                #expect(response.headers[.init("x-ratelimit-remaining-requests")!] == String(expectedRemaining))
                #expect(response.headers[.init("x-ratelimit-reset-requests")!] != nil)
            }
            let refused = try await post(client, token)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.body.errorCode == "rate_limit_exceeded")
            #expect(refused.headers[.retryAfter] == "20")
            #expect(refused.headers[.init("x-ratelimit-remaining-requests")!] == "0")
            // One request refills every 20 s.
            clock.advance(by: 20)
            #expect(try await post(client, token).status == .ok)
            #expect(try await post(client, token).status == .tooManyRequests)
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(String(buffer: response.body).contains("gateway_rate_limited_total 2"))
            }
        }
    }

    @Test func claimsOverrideDefaultsAndTokensDoNotShareBuckets() async throws {
        let (gateway, token) = try await GatewayHarness.build(["GATEWAY_RATE_LIMIT_RPM": "1"], providers: GatewayHarness.mockProviders(), clock: clock)
        let runtime = try #require(gateway.verifier as? InProcessTokenRuntime)
        let generous = try await runtime.service.issue(IssueTokenRequest(subject: "g", rateLimitRPM: 5)).token
        try await gateway.buildApplication().test(.router) { client in
            #expect(try await post(client, token).status == .ok)
            #expect(try await post(client, token).status == .tooManyRequests)
            for _ in 0..<5 { #expect(try await post(client, generous).status == .ok) }
            let refused = try await post(client, generous)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.init("x-ratelimit-limit-requests")!] == "5")
        }
    }

    @Test func tokensPerMinuteAreChargedFromUsage() async throws {
        // Each mock answer to "hello there" uses 2 prompt + 2 completion tokens.
        let (gateway, token) = try await GatewayHarness.build(["GATEWAY_RATE_LIMIT_TPM": "8"], providers: GatewayHarness.mockProviders(), clock: clock)
        try await gateway.buildApplication().test(.router) { client in
            #expect(try await post(client, token).status == .ok)
            #expect(try await post(client, token).status == .ok)
            let refused = try await post(client, token)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.init("x-ratelimit-limit-tokens")!] == "8")
            #expect(refused.headers[.init("x-ratelimit-remaining-tokens")!] == "0")
            #expect((refused.body.json["error"] as? [String: Any])?["type"] as? String == "tokens")
        }
    }

    @Test func idleBucketsAreDropped() {
        let limiter = RateLimiter(clock: clock)
        let limits = RateLimiter.Limits(requestsPerMinute: 10, tokensPerMinute: 0)
        for index in 0..<100 { _ = limiter.acquire("token-\(index)", limits: limits) }
        #expect(limiter.bucketCount == 100)
        clock.advance(by: 61)
        limiter.sweep(limits: limits)
        #expect(limiter.bucketCount == 0)
    }
}

@Suite struct DevModeTests {
    @Test func configuredDevTokensWork() async throws {
        let token = TokenFormat.generate()
        let (gateway, generated) = try await GatewayHarness.build(["GATEWAY_DEV_TOKENS": token], providers: GatewayHarness.mockProviders())
        #expect(gateway.generatedDevToken == nil)
        #expect(generated != token)
        try await gateway.buildApplication().test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get, headers: GatewayHarness.auth(token)) { #expect($0.status == .ok) }
        }
    }

    @Test func aGeneratedDevTokenWorks() async throws {
        let (gateway, _) = try await GatewayHarness.build(providers: GatewayHarness.mockProviders())
        let token = try #require(gateway.generatedDevToken)
        #expect(TokenFormat.isWellFormed(token))
        try await gateway.buildApplication().test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get, headers: GatewayHarness.auth(token)) { #expect($0.status == .ok) }
        }
    }
}
