import Foundation
import GatewayInProcessRuntime
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TokenProtocol
import TokenRuntime

@testable import Gateway

/// Budgets through real HTTP, with the runtime's quota authority in process (dev mode) and the mock
/// upstream priced at 3 / 0.30 cached / 15 USD per million tokens: 3,000 / 300 / 15,000 nano-USD a token.
@Suite struct BudgetHTTPTests {
    static func providers(port: Int) -> String {
        #"{"providers":[{"name":"up","type":"openai","base_url":"http://127.0.0.1:\#(port)","models":["mock-echo","house-model"],"#
            + #""prices":{"mock-echo":{"input_per_mtok":"3","cached_input_per_mtok":"0.30","output_per_mtok":"15"}}}]}"#
    }

    /// system "be brief" (2 words) + user "hello there friend" (3 words): 5 prompt tokens, 2 cached.
    static let body = #"{"model":"mock-echo","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there friend"}]}"#
    /// The prompt bound: every body byte, 8 per message, 16 per request.
    static let promptBound = body.utf8.count + 2 * 8 + 16

    func withGateway(
        budget: NanoUSD, period: BudgetPeriod? = nil, _ run: @escaping @Sendable (any TestClientProtocol, HTTPFields) async throws -> Void
    ) async throws {
        try await GatewayHarness.withUpstreams([MockUpstreamServer()]) { ports in
            let (gateway, _) = try await GatewayHarness.build(providers: Self.providers(port: ports[0]))
            let runtime = try #require(gateway.verifier as? InProcessTokenRuntime)
            let token = try await runtime.service.issue(
                IssueTokenRequest(subject: "budgeted", policy: TokenPolicy(maxBudget: budget, budgetPeriod: period))
            ).token
            try await gateway.buildApplication().test(.live) { client in try await run(client, GatewayHarness.auth(token)) }
        }
    }

    @Test func aBudgetedTokenMayNotUseAnUnpricedModel() async throws {
        try await withGateway(budget: NanoUSD(1_000_000_000)) { client, headers in
            let body = ByteBuffer(string: Self.body.replacingOccurrences(of: "mock-echo", with: "house-model"))
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .forbidden)
                let error = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: [String: Any]]
                #expect(error?["error"]?["code"] as? String == "model_not_priced")
                #expect((error?["error"]?["message"] as? String)?.contains("house-model") == true)
            }
        }
    }

    /// A budget that pays the prompt's worst case and one output token but not two: the gateway
    /// sets `max_completion_tokens` 1 (the mock then stops after one word, as a model does), the
    /// answer really costs 3 x 3,000 + 2 x 300 + 1 x 15,000 = 24,600 nano-USD, and what is left
    /// cannot pay the next request's worst case: 429 insufficient_quota.
    @Test func theGatewaySetsAMaximumTheBudgetPaysForAndRefusesWhatItCannotPay() async throws {
        let budget = NanoUSD(Int64(Self.promptBound) * 3_000 + 15_000 + 14_999)
        try await withGateway(budget: budget, period: .day) { client, headers in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: headers, body: ByteBuffer(string: Self.body)) {
                response in
                #expect(response.status == .ok)
                let answer = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let choice = (answer?["choices"] as? [[String: Any]])?.first
                #expect((choice?["message"] as? [String: Any])?["content"] as? String == "hello")
                #expect(choice?["finish_reason"] as? String == "length")
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: headers, body: ByteBuffer(string: Self.body)) {
                response in
                #expect(response.status == .tooManyRequests)
                let error = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: [String: Any]]
                #expect(error?["error"]?["type"] as? String == "insufficient_quota")
                #expect(error?["error"]?["code"] as? String == "insufficient_quota")
                let message = error?["error"]?["message"] as? String ?? ""
                #expect(message.contains("renews at"), "a daily budget names when it renews: \(message)")
            }
        }
    }

    /// Three requests of 5 prompt (2 cached) and 3 completion tokens: 3 x 3,000 + 2 x 300 + 3 x 15,000
    /// = 54,600 nano-USD each; the key sees its budget, its period and what remains once they settle.
    @Test func theKeySeesItsBudgetPeriodAndWhatRemains() async throws {
        try await withGateway(budget: NanoUSD(1_000_000_000), period: .month) { client, headers in
            let body = ByteBuffer(string: Self.body.replacingOccurrences(of: #""messages""#, with: #""max_tokens":3,"messages""#))
            for _ in 0..<3 {
                try await client.execute(uri: "/v1/chat/completions", method: .post, headers: headers, body: body) {
                    #expect($0.status == .ok)
                }
            }
            var usage: [String: Any] = [:]
            for _ in 0..<100 {
                try await client.execute(uri: "/v1/usage", method: .get, headers: headers) { response in
                    usage = (try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
                }
                if usage["requests"] as? Int == 3 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(usage["spend_nano_usd"] as? Int == 3 * 54_600)
            #expect(usage["max_budget_nano_usd"] as? Int == 1_000_000_000)
            #expect(usage["budget_period"] as? String == "month")
            #expect(usage["remaining_nano_usd"] as? Int == 1_000_000_000 - 3 * 54_600)
            let window = BudgetPeriod.month.window(containing: Int64(Date().timeIntervalSince1970))
            #expect(usage["period_start"] as? Int == Int(window.start))
            #expect(usage["period_end"] as? Int == window.end.map(Int.init))
        }
    }
}
