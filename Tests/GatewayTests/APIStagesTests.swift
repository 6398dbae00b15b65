import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import ServiceSupport
@testable import Gateway

/// The API stages (audit -> auth -> limits) as route-group middleware: no route can be added to
/// the API without them, and a group wired without them fails closed.
@Suite struct APIStagesTests {
    /// The only routes anyone may call without a token.
    static let publicRoutes: Set<String> = ["GET /healthz", "GET /readyz", "GET /metrics"]

    @Test func everyRouteButHealthAndMetricsRefusesAMissingToken() async throws {
        let audit = InMemoryAuditSink()
        let (gateway, _) = try await GatewayHarness.build(providers: GatewayHarness.mockProviders(), audit: audit)
        let routes = gateway.buildRouter().routes
            .filter { !Self.publicRoutes.contains("\($0.method) \($0.path)") }
            .map { (path: $0.path.description, method: $0.method) }
        // The API as documented, under both prefixes; a new route shows up here by itself.
        #expect(routes.count >= 8)
        try await gateway.buildApplication().test(.router) { client in
            for route in routes {
                let uri = route.path.replacingOccurrences(of: ":id", with: "x")
                try await client.execute(
                    uri: uri, method: route.method, headers: [.contentType: "application/json"],
                    body: GatewayHarness.chatBody()
                ) { response in
                    #expect(response.status == .unauthorized, "\(route) answered \(response.status)")
                    if route.path.contains("messages") {
                        // Anthropic's routes answer in its envelope.
                        #expect((response.body.json["error"] as? [String: Any])?["type"] as? String == "authentication_error", "\(route)")
                    } else {
                        #expect(response.body.errorCode == "missing_api_key" || response.body.errorCode == "invalid_api_key", "\(route)")
                    }
                }
            }
        }
        // Each refusal was audited, without a token id.
        let records = audit.records()
        #expect(records.count == routes.count)
        #expect(records.allSatisfy { $0.status == 401 && $0.tokenID == nil })
    }

    @Test func aGroupWiredWithoutTheStagesFailsClosed() async throws {
        let router = Router(context: GatewayRequestContext.self)
        router.group("/v1").group(context: AuthenticatedRequestContext.self).get("open") { _, _ in "should never answer" }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/v1/open", method: .get) { response in
                #expect(response.status == .internalServerError)
                #expect(String(buffer: response.body) != "should never answer")
            }
        }
    }

    @Test func aRateLimitedRequestIsAuditedWithItsCallerAndCarriesTheLimitHeaders() async throws {
        let audit = InMemoryAuditSink()
        let (gateway, token) = try await GatewayHarness.build(
            ["GATEWAY_RATE_LIMIT_RPM": "1"], providers: GatewayHarness.mockProviders(), audit: audit)
        try await gateway.buildApplication().test(.router) { client in
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody()
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.init("x-ratelimit-limit-requests")!] == "1")
            }
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody()
            ) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] != nil)
                #expect(response.headers[.init("x-ratelimit-remaining-requests")!] == "0")
                #expect(response.body.errorCode == "rate_limit_exceeded")
            }
            // /v1/models is authenticated and audited but not metered.
            try await client.execute(uri: "/v1/models", method: .get, headers: GatewayHarness.auth(token)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.init("x-ratelimit-limit-requests")!] == nil)
            }
        }
        let records = audit.records()
        #expect(records.map(\.status) == [200, 429, 200])
        #expect(records.allSatisfy { $0.subject == "dev" && $0.tokenID != nil })
        #expect(records[0].provider == "mock" && records[0].promptTokens == 2)
        #expect(records[1].provider == nil && records[1].attempts == 0)
        #expect(records[2].route == "/v1/models")
    }
}
