import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

/// The budget claims on the admin API, and `PATCH /v1/tokens/{id}`, through HTTP.
@Suite struct PolicyUpdateHTTPTests {
    let configuration = RuntimeConfiguration.testing()
    let clock = ManualWallClock(1_800_000_000)

    func withApp(_ body: @Sendable (any TestClientProtocol, RuntimeApplication) async throws -> Void) async throws {
        let runtime = RuntimeApplication(configuration: configuration, clock: clock)
        let app = Application(router: runtime.buildRouter())
        try await app.test(.router) { client in try await body(client, runtime) }
    }

    var admin: HTTPFields { [.authorization: "Bearer \(configuration.adminKey)", .contentType: "application/json"] }

    /// Status and body text of one admin call.
    func call(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ json: String? = nil,
        headers: HTTPFields? = nil
    ) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: uri, method: method, headers: headers ?? admin, body: json.map { ByteBuffer(string: $0) }) {
            ($0.status, String(buffer: $0.body))
        }
    }

    func issue(_ client: some TestClientProtocol, _ json: String) async throws -> IssuedToken {
        let (status, text) = try await call(client, .post, "/v1/tokens", json)
        #expect(status == .created, "\(text)")
        return try JSONDecoder().decode(IssuedToken.self, from: Data(text.utf8))
    }

    @Test(arguments: [#""12.5""#, "12.5"])
    func maxBudgetRoundTripsExactlyAsStringOrNumber(_ amount: String) async throws {
        try await withApp { client, _ in
            let issued = try await issue(client, #"{"subject":"alice","max_budget_usd":\#(amount),"budget_period":"month"}"#)
            #expect(issued.view.policy.maxBudget == NanoUSD(12_500_000_000))
            #expect(issued.view.policy.budgetPeriod == .month)
            let (status, shown) = try await call(client, .get, "/v1/tokens/\(issued.view.id)")
            #expect(status == .ok)
            #expect(shown.contains(#""max_budget_usd":12.5,"#) && shown.contains(#""budget_period":"month""#))
            let (_, listed) = try await call(client, .get, "/v1/tokens?subject=alice")
            #expect(listed.contains(#""max_budget_usd":12.5,"#) && listed.contains(#""budget_period":"month""#))
        }
    }

    @Test func aBudgetFinerThanANanoDollarOrABudgetPeriodAloneIs400() async throws {
        try await withApp { client, _ in
            for body in [
                #"{"subject":"alice","budget_period":"day"}"#, #"{"subject":"alice","max_budget_usd":"0.0000000001"}"#,
                #"{"subject":"alice","max_budget_usd":-1}"#, #"{"subject":"alice","max_budget_usd":1,"budget_period":"week"}"#,
            ] {
                let (status, text) = try await call(client, .post, "/v1/tokens", body)
                #expect(status == .badRequest, "\(body)")
                #expect(text.contains(#""error":"invalid_request""#), "\(text)")
            }
            let (_, text) = try await call(client, .post, "/v1/tokens", #"{"subject":"alice","budget_period":"day"}"#)
            #expect(text.contains("budget_period needs max_budget_usd"))
        }
    }

    @Test func patchSetsClearsAndKeepsClaims() async throws {
        try await withApp { client, runtime in
            let issued = try await issue(
                client, #"{"subject":"alice","rate_limit_rpm":60,"rate_limit_tpm":1000,"models":["gpt-4o-mini"]}"#)
            let uri = "/v1/tokens/\(issued.view.id)"
            var (status, text) = try await call(
                client, .patch, uri, #"{"max_budget_usd":"7.25","budget_period":"day","rate_limit_rpm":null}"#)
            #expect(status == .ok, "\(text)")
            var view = try JSONDecoder().decode(TokenView.self, from: Data(text.utf8))
            #expect(
                view.policy
                    == TokenPolicy(rateLimitTPM: 1000, models: ["gpt-4o-mini"], maxBudget: NanoUSD(7_250_000_000), budgetPeriod: .day))
            #expect(text.contains(#""spend_usd":0"#))
            (status, text) = try await call(client, .get, uri)
            #expect(try JSONDecoder().decode(TokenView.self, from: Data(text.utf8)).policy == view.policy)

            (status, text) = try await call(client, .patch, uri, #"{"models":["a","b"],"max_budget_usd":3,"budget_period":null}"#)
            #expect(status == .ok)
            view = try JSONDecoder().decode(TokenView.self, from: Data(text.utf8))
            #expect(view.policy == TokenPolicy(rateLimitTPM: 1000, models: ["a", "b"], maxBudget: NanoUSD(3_000_000_000)))

            let before = runtime.events.currentID
            (status, text) = try await call(client, .patch, uri, "{}")
            #expect(status == .ok)
            #expect(try JSONDecoder().decode(TokenView.self, from: Data(text.utf8)).policy == view.policy)
            (status, _) = try await call(client, .patch, uri, #"{"models":["a","b"]}"#)
            #expect(status == .ok)
            #expect(runtime.events.currentID == before, "a PATCH that changes nothing announces nothing")
            #expect(before.sequence == 2, "each PATCH that changed something announced one update")
        }
    }

    @Test func patchRefusals() async throws {
        try await withApp { client, _ in
            let issued = try await issue(client, #"{"subject":"alice","max_budget_usd":5,"budget_period":"day"}"#)
            let uri = "/v1/tokens/\(issued.view.id)"
            var (status, text) = try await call(client, .patch, uri, #"{"max_budget_usd":1,"rate_limit_rmp":5}"#)
            #expect(status == .badRequest)
            #expect(text.contains(#""error":"invalid_request""#) && text.contains("rate_limit_rmp"), "\(text)")
            (status, text) = try await call(client, .patch, uri, #"{"max_budget_usd":null}"#)
            #expect(status == .badRequest)
            #expect(text.contains("budget_period needs max_budget_usd"), "\(text)")
            (status, text) = try await call(client, .patch, uri, #"{"rate_limit_rpm":-1}"#)
            #expect(status == .badRequest)
            (status, text) = try await call(client, .patch, uri, #"{"models":"gpt-4o"}"#)
            #expect(status == .badRequest)
            (status, _) = try await call(client, .patch, uri, "not json")
            #expect(status == .badRequest)
            (status, _) = try await call(
                client, .patch, uri, #"{"rate_limit_rpm":1}"#,
                headers: [.authorization: "Bearer \(configuration.adminKey)", .contentType: "text/plain"])
            #expect(status == .unsupportedMediaType)
            (status, _) = try await call(client, .patch, "/v1/tokens/tok_000000000000000000000000", #"{"rate_limit_rpm":1}"#)
            #expect(status == .notFound)
            (status, _) = try await call(
                client, .patch, uri, #"{"rate_limit_rpm":1}"#,
                headers: [.authorization: "Bearer \(configuration.introspectionSecret)", .contentType: "application/json"])
            #expect(status == .unauthorized)
            // Nothing changed.
            (status, text) = try await call(client, .get, uri)
            #expect(try JSONDecoder().decode(TokenView.self, from: Data(text.utf8)).policy == issued.view.policy)
        }
    }

    @Test func aPatchIsIntrospectedAtOnceAndAnnouncedAsUpdated() async throws {
        try await withApp { client, runtime in
            let issued = try await issue(client, #"{"subject":"alice"}"#)
            let frames = runtime.events.subscribe(after: nil)
            clock.advance(by: 5)
            let (status, _) = try await call(client, .patch, "/v1/tokens/\(issued.view.id)", #"{"max_budget_usd":"0.5"}"#)
            #expect(status == .ok)
            let answer = try await runtime.service.introspect(token: issued.token)
            #expect(answer.policy.maxBudget == NanoUSD(500_000_000))
            var received: [RevocationEventHub.Frame] = []
            for await frame in frames {
                received.append(frame)
                if received.count == 2 { break }
            }
            let expected = TokenUpdatedEvent(
                jti: issued.view.id, tokenDigest: TokenDigest(token: issued.token).hex, updatedAt: 1_800_000_005)
            #expect(received.last == .event(.init(epoch: runtime.events.epoch, sequence: 1), .updated(expected)))
        }
    }

    @Test func patchBodyEncodesClearsAsNull() throws {
        let patch = TokenPolicyPatch(rateLimitRPM: .clear, models: .set(["m"]), maxBudget: .set(NanoUSD(1_500_000_000)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(patch), as: UTF8.self)
        #expect(text == #"{"max_budget_usd":"1.5","models":["m"],"rate_limit_rpm":null}"#)
        #expect(try JSONDecoder().decode(TokenPolicyPatch.self, from: Data(text.utf8)) == patch)
    }

    /// The CLI's client: issue with a budget, then set, clear and keep claims with a PATCH.
    @Test func theAdminClientIssuesAndUpdatesBudgets() async throws {
        let runtime = RuntimeApplication(configuration: configuration, clock: clock)
        let app = Application(router: runtime.buildRouter())
        try await app.test(.live) { client in
            let admin = AdminClient(baseURL: "http://127.0.0.1:\(try #require(client.port))", adminKey: configuration.adminKey)
            let issued = try await admin.issue(
                IssueTokenRequest(
                    subject: "alice",
                    policy: TokenPolicy(rateLimitRPM: 10, maxBudget: NanoUSD(decimalUSD: "0.123456789"), budgetPeriod: .day)))
            #expect(issued.view.policy.maxBudget == NanoUSD(123_456_789))
            let updated = try await admin.update(
                id: issued.view.id, TokenPolicyPatch(rateLimitRPM: .clear, maxBudget: .set(NanoUSD(30_000_000_000))))
            #expect(updated.policy == TokenPolicy(maxBudget: NanoUSD(30_000_000_000), budgetPeriod: .day))
            #expect(try await admin.show(id: issued.view.id).policy == updated.policy)
            await #expect(throws: AdminClientError.self) {
                try await admin.update(id: issued.view.id, TokenPolicyPatch(maxBudget: .clear))
            }
        }
    }
}
