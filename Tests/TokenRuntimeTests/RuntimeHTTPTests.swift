import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

/// The runtime's HTTP API through Hummingbird's router test client.
@Suite struct RuntimeHTTPTests {
    let configuration = RuntimeConfiguration.testing()
    let clock = ManualWallClock(1_800_000_000)

    func withApp(_ body: @Sendable (any TestClientProtocol, RuntimeApplication) async throws -> Void) async throws {
        let runtime = RuntimeApplication(configuration: configuration, clock: clock)
        let app = Application(router: runtime.buildRouter())
        try await app.test(.router) { client in try await body(client, runtime) }
    }

    var admin: HTTPFields { [.authorization: "Bearer \(configuration.adminKey)", .contentType: "application/json"] }
    var introspector: HTTPFields {
        [.authorization: "Bearer \(configuration.introspectionSecret)", .contentType: "application/x-www-form-urlencoded"]
    }

    func issue(_ client: some TestClientProtocol, _ json: String = #"{"subject":"alice"}"#) async throws -> IssuedToken {
        try await client.execute(uri: "/v1/tokens", method: .post, headers: admin, body: ByteBuffer(string: json)) { response in
            #expect(response.status == .created)
            return try JSONDecoder().decode(IssuedToken.self, from: Data(response.body.readableBytesView))
        }
    }

    func introspect(_ client: some TestClientProtocol, _ token: String, headers: HTTPFields? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(
            uri: "/v1/introspect", method: .post, headers: headers ?? introspector,
            body: ByteBuffer(string: IntrospectionRequest(token: token).formEncoded)
        ) { response in
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any]
            return (response.status, object ?? [:])
        }
    }

    @Test func issueIntrospectRevokeIntrospect() async throws {
        try await withApp { client, _ in
            let issued = try await issue(client, #"{"subject":"alice","ttl_seconds":3600,"scopes":["chat"],"client_id":"team-a","rate_limit_rpm":60,"models":["gpt-4o-mini"]}"#)
            #expect(issued.view.status == .active)
            #expect(TokenFormat.isWellFormed(issued.token))

            let (status, claims) = try await introspect(client, issued.token)
            #expect(status == .ok)
            #expect(claims["active"] as? Bool == true)
            #expect(claims["sub"] as? String == "alice")
            #expect(claims["jti"] as? String == issued.view.id)
            #expect(claims["rate_limit_rpm"] as? Int == 60)
            #expect(claims["models"] as? [String] == ["gpt-4o-mini"])

            try await client.execute(uri: "/v1/tokens/\(issued.view.id)/revoke", method: .post, headers: admin) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""status":"revoked""#))
            }
            let (_, after) = try await introspect(client, issued.token)
            #expect(after.count == 2)
            #expect(after["active"] as? Bool == false)
            #expect(after["status"] as? String == "revoked")
        }
    }

    @Test func expiredAfterExpOnTheInjectedClock() async throws {
        try await withApp { client, _ in
            let issued = try await issue(client, #"{"subject":"alice","ttl_seconds":2}"#)
            clock.advance(by: 2)
            let (_, answer) = try await introspect(client, issued.token)
            #expect(answer["status"] as? String == "expired")
            #expect(answer["exp"] == nil)
        }
    }

    @Test func malformedAndUnknownTokensAreInactiveNotErrors() async throws {
        try await withApp { client, _ in
            for token in ["garbage", TokenFormat.generate()] {
                let (status, answer) = try await introspect(client, token)
                #expect(status == .ok)
                #expect(answer["active"] as? Bool == false)
                #expect(answer["status"] as? String == "unknown")
            }
        }
    }

    @Test func introspectionAcceptsHTTPBasic() async throws {
        try await withApp { client, _ in
            let issued = try await issue(client)
            let basic = Data("gateway:\(configuration.introspectionSecret)".utf8).base64EncodedString()
            let (status, answer) = try await introspect(
                client, issued.token,
                headers: [.authorization: "Basic \(basic)", .contentType: "application/x-www-form-urlencoded"])
            #expect(status == .ok)
            #expect(answer["active"] as? Bool == true)
        }
    }

    @Test(arguments: [
        nil, "Bearer wrong-secret-0123456789", "Basic Z2F0ZXdheTp3cm9uZw==", "Bearer test-admin-key-0123456789",
    ])
    func introspectionRefusesOtherCallers(_ authorization: String?) async throws {
        try await withApp { client, _ in
            var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            if let authorization { headers[.authorization] = authorization }
            let (status, answer) = try await introspect(client, TokenFormat.generate(), headers: headers)
            #expect(status == .unauthorized)
            #expect(answer["error"] as? String == "invalid_client")
        }
    }

    @Test func adminCallsNeedTheAdminKey() async throws {
        try await withApp { client, _ in
            for headers: HTTPFields in [
                [.contentType: "application/json"],
                [.authorization: "Bearer \(configuration.introspectionSecret)", .contentType: "application/json"],
            ] {
                try await client.execute(uri: "/v1/tokens", method: .post, headers: headers, body: ByteBuffer(string: #"{"subject":"a"}"#)) {
                    #expect($0.status == .unauthorized)
                    #expect($0.headers[.wwwAuthenticate] != nil)
                }
                try await client.execute(uri: "/v1/tokens", method: .get, headers: headers) { #expect($0.status == .unauthorized) }
            }
        }
    }

    @Test(arguments: [
        ("application/json", "not json", HTTPResponse.Status.badRequest, "invalid_request"),
        ("application/json", #"{"ttl_seconds":5}"#, .badRequest, "invalid_request"),
        ("application/json", #"{"subject":"a","ttl_seconds":-1}"#, .badRequest, "invalid_request"),
        ("application/json", #"{"subject":"a","ttl_seconds":"soon"}"#, .badRequest, "invalid_request"),
        ("text/plain", #"{"subject":"a"}"#, .unsupportedMediaType, "unsupported_media_type"),
        ("application/json", "{\"subject\":\"" + String(repeating: "a", count: 70_000) + "\"}", .contentTooLarge, "request_too_large"),
    ])
    func badIssueRequestsGetAJSONError(_ contentType: String, _ body: String, _ status: HTTPResponse.Status, _ code: String) async throws {
        try await withApp { client, runtime in
            var headers = admin
            headers[.contentType] = contentType
            try await client.execute(uri: "/v1/tokens", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
                #expect(response.status == status)
                #expect(response.headers[.contentType] == "application/json")
                let error = try JSONDecoder().decode(OAuthErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(error.error == code)
                #expect(!error.errorDescription.isEmpty)
            }
            #expect(try await runtime.service.list(TokenQuery()).data.isEmpty)
        }
    }

    @Test(arguments: [
        ("application/json", #"{"token":"x"}"#),
        ("application/x-www-form-urlencoded", "token=%zz"),
        ("application/x-www-form-urlencoded", ""),
        ("application/x-www-form-urlencoded", "token="),
        ("application/x-www-form-urlencoded", "token=a&token=b"),
    ])
    func malformedIntrospectionRequestsAreInvalidRequest(_ contentType: String, _ body: String) async throws {
        try await withApp { client, _ in
            var headers = introspector
            headers[.contentType] = contentType
            try await client.execute(uri: "/v1/introspect", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                let error = try JSONDecoder().decode(OAuthErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(error.error == "invalid_request")
            }
        }
    }

    @Test func rfc7009RevokeIsIdempotentAndAcceptsUnknownTokens() async throws {
        try await withApp { client, _ in
            let issued = try await issue(client)
            for token in [issued.token, issued.token, TokenFormat.generate(), "garbage"] {
                try await client.execute(
                    uri: "/v1/revoke", method: .post, headers: introspector,
                    body: ByteBuffer(string: IntrospectionRequest(token: token).formEncoded)
                ) { #expect($0.status == .ok) }
            }
            let (_, answer) = try await introspect(client, issued.token)
            #expect(answer["status"] as? String == "revoked")
            // The admin key may revoke through RFC 7009 too; anyone else may not.
            var adminForm = introspector
            adminForm[.authorization] = "Bearer \(configuration.adminKey)"
            try await client.execute(uri: "/v1/revoke", method: .post, headers: adminForm, body: ByteBuffer(string: "token=x")) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/v1/revoke", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "token=x")) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func lookupListAndUnknownIds() async throws {
        try await withApp { client, _ in
            let alice = try await issue(client, #"{"subject":"alice"}"#)
            _ = try await issue(client, #"{"subject":"bob"}"#)
            try await client.execute(uri: "/v1/tokens/\(alice.view.id)", method: .get, headers: admin) { response in
                #expect(response.status == .ok)
                let view = try JSONDecoder().decode(TokenView.self, from: Data(response.body.readableBytesView))
                #expect(view == alice.view)
                #expect(!String(buffer: response.body).contains(alice.token))
            }
            try await client.execute(uri: "/v1/tokens?subject=bob", method: .get, headers: admin) { response in
                let list = try JSONDecoder().decode(TokenList.self, from: Data(response.body.readableBytesView))
                #expect(list.data.map(\.subject) == ["bob"])
            }
            for uri in ["/v1/tokens?status=bogus", "/v1/tokens?limit=0", "/v1/tokens?limit=x"] {
                try await client.execute(uri: uri, method: .get, headers: admin) { #expect($0.status == .badRequest) }
            }
            for (uri, method) in [("/v1/tokens/tok_nope", HTTPRequest.Method.get), ("/v1/tokens/tok_nope/revoke", .post)] {
                try await client.execute(uri: uri, method: method, headers: admin) { response in
                    #expect(response.status == .notFound)
                    #expect(String(buffer: response.body).contains("not_found"))
                }
            }
        }
    }

    @Test func healthReadinessAndMetrics() async throws {
        try await withApp { client, _ in
            let issued = try await issue(client)
            _ = try await introspect(client, issued.token)
            _ = try await introspect(client, TokenFormat.generate())
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/json")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"token_runtime_introspections_total{result="active"} 1"#))
                #expect(text.contains(#"token_runtime_introspections_total{result="unknown"} 1"#))
                #expect(text.contains("token_runtime_tokens_issued_total 1"))
                #expect(text.contains("token_runtime_store_cache_hit_ratio 0.5"))
                #expect(text.contains("token_runtime_http_request_duration_seconds_bucket"))
            }
        }
    }
}
