import Foundation
import Testing

/// Usage from a live gateway to a live token runtime on PostgreSQL, across the runtime being
/// killed and restarted in the middle: every request counted once, to the nano-dollar.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["LJQ_TEST_DATABASE_URL"].map { !$0.isEmpty } ?? false,
        "needs LJQ_TEST_DATABASE_URL (scripts/ci/postgres.sh start)"))
struct UsageThroughGatewayTests {
    static let database = ProcessInfo.processInfo.environment["LJQ_TEST_DATABASE_URL"] ?? ""

    /// "hello there" is 2 prompt and 2 completion tokens at the mock upstream; at 2 and 8 USD per
    /// million: 2 x 2 + 2 x 8 = 20 USD per million requests like it -> 20,000 nano-USD each.
    static let costEach = 20_000

    func runtime(_ stack: TestStack, _ name: String, port: Int? = nil) async throws -> TokenRuntime {
        try await stack.tokenRuntime(
            name, port: port,
            environment: ["TOKEN_RUNTIME_STORE": "postgres", "TOKEN_RUNTIME_DATABASE_URL": Self.database, "TOKEN_RUNTIME_ENV": "staging"])
    }

    @Test func noUsageIsLostOrDoubledWhenTheRuntimeDiesAndComesBack() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = runtime(stack, "token-runtime-1")
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let prices = ["mock-echo": ["input_per_mtok": "2", "output_per_mtok": "8"]]
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "priced", port: upstream.port, prices: prices)])
            let token = try await runtime.issue(subject: "ledger-restart")

            for _ in 0..<5 { #expect(try await gateway.chat(token.token).status == 200, stack.logs) }
            await runtime.process.forceKill()
            // The token is cached: served while the runtime is down; the usage waits in the gateway.
            for _ in 0..<5 { #expect(try await gateway.chat(token.token).status == 200, stack.logs) }

            let restarted = try await self.runtime(stack, "token-runtime-2", port: runtime.port)
            let arrived = await poll(timeout: .seconds(30), every: .milliseconds(200)) {
                ((try? await restarted.usage(tokenID: token.id))?["requests"] as? Int) == 10
            }
            #expect(arrived != nil, stack.logs("the ten requests did not all reach the ledger"))
            // Nothing more arrives later (a batch sent again is not counted twice).
            try await Task.sleep(for: .seconds(1))
            let totals = try await restarted.usage(tokenID: token.id)
            #expect(totals["requests"] as? Int == 10)
            #expect(totals["prompt_tokens"] as? Int == 20)
            #expect(totals["completion_tokens"] as? Int == 20)
            #expect(totals["spend_nano_usd"] as? Int == 10 * Self.costEach)

            // The key holder sees the same through the gateway.
            let own = try await gateway.get("/v1/usage", token: token.token)
            #expect(own.status == 200 && own.json["spend_nano_usd"] as? Int == 10 * Self.costEach, "\(own)")
            #expect(own.body.contains(#""spend_usd":0.0002"#), "\(own)")
        }
    }
}
