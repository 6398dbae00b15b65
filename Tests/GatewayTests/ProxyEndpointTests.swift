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

/// The OpenAI-compatible surface through real HTTP, with the built-in mock provider.
@Suite struct ProxyEndpointTests {
    @Test(arguments: ["/v1", "/api/v1"])
    func everyEndpointAnswersUnderBothPrefixes(_ prefix: String) async throws {
        let audit = InMemoryAuditSink()
        let (gateway, token) = try await GatewayHarness.build(providers: GatewayHarness.mockProviders(), audit: audit)
        try await gateway.buildApplication().test(.live) { client in
            try await client.execute(uri: "\(prefix)/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody()) { response in
                #expect(response.status == .ok)
                let choices = response.body.json["choices"] as? [[String: Any]]
                #expect((choices?.first?["message"] as? [String: Any])?["content"] as? String == "hello there")
                #expect(response.headers[.init("x-request-id")!] != nil)
            }
            try await client.execute(
                uri: "\(prefix)/completions", method: .post, headers: GatewayHarness.auth(token),
                body: ByteBuffer(string: #"{"model":"mock-echo","prompt":"say this"}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect((response.body.json["choices"] as? [[String: Any]])?.first?["text"] as? String == "say this")
            }
            try await client.execute(
                uri: "\(prefix)/embeddings", method: .post, headers: GatewayHarness.auth(token),
                body: ByteBuffer(string: #"{"model":"mock-echo","input":["a","b"]}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect((response.body.json["data"] as? [[String: Any]])?.count == 2)
            }
            try await client.execute(uri: "\(prefix)/models", method: .get, headers: GatewayHarness.auth(token)) { response in
                #expect(response.status == .ok)
                #expect(response.body.json["object"] as? String == "list")
            }
        }
        // One record per request, the model list included (it has no provider).
        let records = audit.records()
        #expect(records.count == 4)
        #expect(records.allSatisfy { $0.tokenID != nil && $0.subject == "dev" && $0.status == 200 })
        #expect(records.map(\.provider) == ["mock", "mock", "mock", nil])
        #expect(records.last?.route == "\(prefix)/models")
        #expect(records[0].promptTokens == 2)
        #expect(records[0].completionTokens == 2)
        #expect(!records.contains { String(describing: $0).contains(token) })
    }

    @Test func modelsAreTheSortedUnionOfAllProviders() async throws {
        let providers = #"{"providers":[{"name":"b","type":"mock","models":["zeta","alpha"]},{"name":"c","type":"mock","models":["alpha","mid"]}]}"#
        let (gateway, token) = try await GatewayHarness.build(providers: providers)
        try await gateway.buildApplication().test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get, headers: GatewayHarness.auth(token)) { response in
                let ids = (response.body.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                #expect(ids == ["alpha", "mid", "zeta"])
                let first = (response.body.json["data"] as? [[String: Any]])?.first
                #expect(first?["object"] as? String == "model")
                #expect(first?["owned_by"] as? String == "b")
                #expect(first?["created"] as? Int != nil)
            }
        }
    }

    @Test func aRestrictedTokenSeesAndUsesOnlyItsModels() async throws {
        let (gateway, _) = try await GatewayHarness.build(providers: GatewayHarness.mockProviders(["a", "b", "c"]))
        let runtime = try #require(gateway.verifier as? InProcessTokenRuntime)
        let restricted = try await runtime.service.issue(IssueTokenRequest(subject: "r", models: ["b"])).token
        try await gateway.buildApplication().test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get, headers: GatewayHarness.auth(restricted)) { response in
                #expect((response.body.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["b"])
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(restricted), body: GatewayHarness.chatBody("a")) { response in
                #expect(response.status == .forbidden)
                #expect(response.body.errorCode == "model_not_allowed")
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(restricted), body: GatewayHarness.chatBody("b")) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func requestIDIsKeptOrGenerated() async throws {
        let (gateway, token) = try await GatewayHarness.build(providers: GatewayHarness.mockProviders())
        try await gateway.buildApplication().test(.router) { client in
            var headers = GatewayHarness.auth(token)
            headers[.init("x-request-id")!] = "client-chosen-42"
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: headers, body: GatewayHarness.chatBody()) {
                #expect($0.headers[.init("x-request-id")!] == "client-chosen-42")
            }
            var ids = Set<String>()
            for _ in 0..<3 {
                try await client.execute(uri: "/healthz", method: .get) { ids.insert($0.headers[.init("x-request-id")!] ?? "") }
            }
            #expect(ids.count == 3)
            #expect(!ids.contains(""))
        }
    }

    @Test(arguments: [
        ("", "invalid_json"), ("{not json", "invalid_json"), (#"{"messages":[]}"#, "missing_required_parameter"),
        (#"{"model":42}"#, nil), (#"["model"]"#, "invalid_json"),
    ] as [(String, String?)])
    func badBodiesAre400(_ body: String, _ code: String?) async throws {
        let (gateway, token) = try await GatewayHarness.build(providers: GatewayHarness.mockProviders())
        try await gateway.buildApplication().test(.router) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                #expect((response.body.json["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
                if let code { #expect(response.body.errorCode == code) }
            }
        }
    }

    @Test func oversizedBodiesAre413AndUnknownModels404() async throws {
        let (gateway, token) = try await GatewayHarness.build(["GATEWAY_MAX_BODY_BYTES": "2048"], providers: GatewayHarness.mockProviders())
        try await gateway.buildApplication().test(.live) { client in
            let big = GatewayHarness.chatBody("mock-echo", String(repeating: "x", count: 4096))
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: big) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.body.errorCode == "request_too_large")
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody("gpt-9")) { response in
                #expect(response.status == .notFound)
                #expect(response.body.errorCode == "model_not_found")
            }
        }
    }

    @Test(arguments: [
        nil, "Basic abc", "Bearer ", "Bearer sk-not-ours", "Bearer " + TokenFormat.generate(),
    ] as [String?])
    func badTokensAre401WithWWWAuthenticate(_ authorization: String?) async throws {
        let (gateway, _) = try await GatewayHarness.build(providers: GatewayHarness.mockProviders())
        try await gateway.buildApplication().test(.router) { client in
            var headers: HTTPFields = [.contentType: "application/json"]
            if let authorization { headers[.authorization] = authorization }
            for (uri, method) in [("/v1/chat/completions", HTTPRequest.Method.post), ("/v1/models", .get), ("/api/v1/embeddings", .post)] {
                try await client.execute(uri: uri, method: method, headers: headers, body: GatewayHarness.chatBody()) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#)
                    #expect(response.body.errorCode == "invalid_api_key")
                }
            }
        }
    }

    @Test func revokedAndExpiredTokensAre401() async throws {
        let clock = ManualWallClock(SystemWallClock().now())
        let (gateway, _) = try await GatewayHarness.build(providers: GatewayHarness.mockProviders(), clock: clock)
        let runtime = try #require(gateway.verifier as? InProcessTokenRuntime)
        let revoked = try await runtime.service.issue(IssueTokenRequest(subject: "a"))
        _ = try await runtime.service.revoke(id: revoked.view.id)
        let expiring = try await runtime.service.issue(IssueTokenRequest(subject: "b", ttlSeconds: 5))
        clock.set(Double(expiring.view.expiresAt))
        try await gateway.buildApplication().test(.router) { client in
            for (token, message) in [(revoked.token, "revoked"), (expiring.token, "expired")] {
                try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody()) { response in
                    #expect(response.status == .unauthorized)
                    #expect(((response.body.json["error"] as? [String: Any])?["message"] as? String)?.contains(message) == true)
                }
            }
        }
    }

    @Test func theMetricsEndpointShowsRequestsAndOverhead() async throws {
        let (gateway, token) = try await GatewayHarness.build(providers: GatewayHarness.mockProviders())
        try await gateway.buildApplication().test(.router) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody()) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"gateway_requests_total{route="/v1/chat/completions",status="200"} 1"#))
                #expect(text.contains("gateway_overhead_seconds_count 1"))
                #expect(text.contains(#"gateway_upstream_duration_seconds_count{provider="mock",outcome="ok"} 1"#))
            }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
    }
}
