import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import Gateway

/// Provider refusals through the gateway in-process, with the test's clock: cooldowns end when the
/// clock says so, and the audit trail names every attempt.
@Suite struct ProviderFallbackHTTPTests {
    @Test func aRateLimitedProviderIsLeftOutUntilItsRetryAfterHasPassedOnTheInjectedClock() async throws {
        let audit = InMemoryAuditSink()
        let clock = ManualWallClock()
        let limited = MockUpstreamServer(failStatus: 429, failHeaders: [.retryAfter: "7"])
        try await GatewayHarness.withUpstreams([limited, MockUpstreamServer()]) { ports in
            let providers = GatewayHarness.upstreamProviders([("limited", ports[0], ["mock-echo"]), ("healthy", ports[1], ["mock-echo"])])
            let (gateway, token) = try await GatewayHarness.build(
                ["GATEWAY_ROUTING_STRATEGY": "round_robin"], providers: providers, clock: clock, audit: audit)
            try await gateway.buildApplication().test(.live) { client in
                func chat() async throws {
                    try await client.execute(
                        uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody()
                    ) { response in
                        #expect(response.status == .ok)
                        #expect(response.headers[.retryAfter] == nil)
                    }
                }
                for _ in 0..<4 { try await chat() }  // round robin starts at limited, healthy, limited, healthy
                clock.advance(by: 6.9)
                try await chat()  // starts at limited: still cooling down
                try await chat()
                clock.advance(by: 0.1)
                try await chat()  // starts at limited: tried again
            }
        }
        let logs = audit.records().map { $0.attemptLog ?? "" }
        #expect(
            logs == [
                "limited:429 healthy:200", "healthy:200", "healthy:200", "healthy:200", "healthy:200", "healthy:200",
                "limited:429 healthy:200",
            ])
        #expect(audit.records().allSatisfy { $0.provider == "healthy" && $0.status == 200 })
    }

    @Test func aMaxAttemptsOfOneAnswersWithTheFirstProvidersRefusal() async throws {
        try await GatewayHarness.withUpstreams([MockUpstreamServer(failStatus: 503), MockUpstreamServer()]) { ports in
            let providers = GatewayHarness.upstreamProviders([("busy", ports[0], ["mock-echo"]), ("healthy", ports[1], ["mock-echo"])])
            let (gateway, token) = try await GatewayHarness.build(
                ["GATEWAY_ROUTING_STRATEGY": "round_robin", "GATEWAY_MAX_ATTEMPTS": "1"], providers: providers)
            try await gateway.buildApplication().test(.live) { client in
                var statuses: [HTTPResponse.Status] = []
                for _ in 0..<2 {
                    let status = try await client.execute(
                        uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody()
                    ) { response in response.status }
                    statuses.append(status)
                }
                #expect(statuses == [.badGateway, .ok])
            }
        }
    }

    @Test func fallbackStatusesAreTheOperatorsChoice() async throws {
        // Without 429 in the list, the provider's 429 passes through as it is, Retry-After included.
        try await GatewayHarness.withUpstreams([MockUpstreamServer(failStatus: 429, failHeaders: [.retryAfter: "7"]), MockUpstreamServer()]) { ports in
            let providers = GatewayHarness.upstreamProviders([("limited", ports[0], ["mock-echo"]), ("healthy", ports[1], ["mock-echo"])])
            let (gateway, token) = try await GatewayHarness.build(
                ["GATEWAY_ROUTING_STRATEGY": "round_robin", "GATEWAY_FALLBACK_STATUSES": "5xx"], providers: providers)
            try await gateway.buildApplication().test(.live) { client in
                try await client.execute(
                    uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody()
                ) { response in
                    #expect(response.status == .tooManyRequests)
                    #expect(response.headers[.retryAfter] == "7")
                    #expect(response.body.errorCode == "rate_limit_exceeded")
                }
            }
        }
    }
}
