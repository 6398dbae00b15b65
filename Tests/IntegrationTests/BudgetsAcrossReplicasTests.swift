import Foundation
import NIOCore
import Synchronization
import Testing

/// Budgets and requests-per-minute through real processes: several gateways on one token runtime
/// (or two runtimes on one PostgreSQL database), one token, requests spread over the gateways.
/// No token spends more than its budget or starts more requests in a minute than its limit,
/// however many gateways serve it; a request that fits is not refused.
@Suite struct BudgetsAcrossReplicasTests {
    static let database = ProcessInfo.processInfo.environment["LJQ_TEST_DATABASE_URL"] ?? ""

    /// The mock's prices here: input 0.001 USD and output 8 USD per million tokens, so 1 and
    /// 8,000 nano-USD a token. "hello there" is 2 prompt and 2 completion tokens at the mock:
    /// 2 x 1 + 2 x 8,000 = 16,002 nano-USD a request.
    static let prices = ["mock-echo": ["input_per_mtok": "0.001", "output_per_mtok": "8"]]
    static let realCost = 16_002
    /// What every request sends: `max_tokens` 2, so its worst case is known.
    static let body = #"{"model":"mock-echo","max_tokens":2,"messages":[{"role":"user","content":"hello there"}]}"#
    /// The gateway's worst case (README, "Budgets"): every body byte a prompt token, plus 8 for the
    /// message and 16 for the request, at 1 nano-USD; 2 output tokens at 8,000.
    static var worstCase: Int { (body.utf8.count + 8 + 16) * 1 + 2 * 8_000 }
    /// 40 real requests' worth.
    static let budgetNano = 40 * realCost
    static var budgetUSD: String { "0.000" + String(budgetNano) }  // 640,080 nano-USD = 0.00064008

    func gateways(_ stack: TestStack, _ runtimes: [TokenRuntime], count: Int, upstream: MockUpstream) async throws -> [GatewayProcess] {
        try await withThrowingTaskGroup(of: GatewayProcess.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await stack.gateway(
                        "gateway-\(index)", runtime: runtimes[index % runtimes.count],
                        providers: [ProviderEntry(name: "priced", port: upstream.port, prices: Self.prices)])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    func send(_ gateway: GatewayProcess, _ token: String) async throws -> HTTPResult {
        try await gateway.post("/v1/chat/completions", token: token, body: ByteBuffer(string: Self.body), timeout: .seconds(30))
    }

    /// Every request at once, `count` spread round-robin over the gateways.
    func burst(_ gateways: [GatewayProcess], _ token: String, count: Int) async throws -> [HTTPResult] {
        try await withThrowingTaskGroup(of: HTTPResult.self) { group in
            for index in 0..<count { group.addTask { try await send(gateways[index % gateways.count], token) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// Waits until the ledger has every request (reports are batched) and returns its spend.
    func settledSpend(_ runtime: TokenRuntime, _ tokenID: String, requests: Int) async throws -> Int {
        _ = await poll(timeout: .seconds(20), every: .milliseconds(200)) {
            ((try? await runtime.usage(tokenID: tokenID))?["requests"] as? Int) == requests
        }
        return try await runtime.usage(tokenID: tokenID)["spend_nano_usd"] as? Int ?? -1
    }

    @Test func aTokensRequestsPerMinuteHoldAcrossThreeGateways() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateways = try await gateways(stack, [runtime], count: 3, upstream: upstream)
            let token = try await runtime.issue(subject: "rpm", claims: ["rate_limit_rpm": 30])
            // The 90 requests must fall in one UTC minute: wait while the minute is nearly over.
            while Int(Date().timeIntervalSince1970) % 60 > 40 { try await Task.sleep(for: .seconds(1)) }
            let results = try await burst(gateways, token.token, count: 90)
            let succeeded = results.filter { $0.status == 200 }
            let refused = results.filter { $0.status == 429 }
            #expect(succeeded.count == 30, stack.logs("\(results.map(\.status))"))
            #expect(refused.count == 60)
            for answer in refused {
                #expect(answer.errorCode == "rate_limit_exceeded", "\(answer)")
                #expect(answer.headers.first(name: "retry-after").flatMap(Int.init).map { $0 >= 1 && $0 <= 60 } == true, "\(answer)")
            }
        }
    }

    @Test func aBudgetHoldsToTheNanoDollarAcrossThreeGateways() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateways = try await gateways(stack, [runtime], count: 3, upstream: upstream)
            try await concurrentAndSequential(stack, runtime: runtime, ledger: runtime, gateways: gateways)
        }
    }

    @Test(.enabled(if: !database.isEmpty, "needs LJQ_TEST_DATABASE_URL (scripts/ci/postgres.sh start)"))
    func aBudgetHoldsAcrossTwoRuntimeReplicasOnPostgreSQL() async throws {
        try await TestStack.run { stack in
            let environment = ["TOKEN_RUNTIME_STORE": "postgres", "TOKEN_RUNTIME_DATABASE_URL": Self.database, "TOKEN_RUNTIME_ENV": "staging"]
            async let firstStart = stack.tokenRuntime("token-runtime-a", environment: environment)
            async let secondStart = stack.tokenRuntime("token-runtime-b", environment: environment)
            async let upstreamStart = stack.mockUpstream()
            let (first, second, upstream) = try await (firstStart, secondStart, upstreamStart)
            let gateways = try await gateways(stack, [first, second], count: 3, upstream: upstream)
            try await concurrentAndSequential(stack, runtime: first, ledger: second, gateways: gateways)
        }
    }

    /// 200 requests at once against a budget of 40 requests' real cost: the ledger's spend never
    /// passes the budget, and at least what the budget pays at worst case got through, minus one.
    /// Then, with a fresh budget, one request at a time: refused only when what remains cannot pay
    /// a worst case, so within one request of what the budget pays at real cost.
    func concurrentAndSequential(_ stack: TestStack, runtime: TokenRuntime, ledger: TokenRuntime, gateways: [GatewayProcess]) async throws {
        let token = try await runtime.issue(subject: "budget", claims: ["max_budget_usd": Self.budgetUSD])
        let results = try await burst(gateways, token.token, count: 200)
        let succeeded = results.filter { $0.status == 200 }.count
        let refused = results.filter { $0.status == 429 }
        #expect(succeeded + refused.count == 200, stack.logs("\(results.map(\.status))"))
        #expect(succeeded >= Self.budgetNano / Self.worstCase - 1, "\(succeeded) succeeded")
        #expect(succeeded <= Self.budgetNano / Self.realCost)
        for answer in refused {
            let error = answer.json["error"] as? [String: Any]
            #expect(error?["code"] as? String == "insufficient_quota" && error?["type"] as? String == "insufficient_quota", "\(answer)")
        }
        let spend = try await settledSpend(ledger, token.id, requests: succeeded)
        #expect(spend == succeeded * Self.realCost)
        #expect(spend <= Self.budgetNano)

        let sequential = try await runtime.issue(subject: "budget-sequential", claims: ["max_budget_usd": Self.budgetUSD])
        var successes = 0
        var index = 0
        while index < 60 {
            let answer = try await send(gateways[index % gateways.count], sequential.token)
            index += 1
            if answer.status == 200 { successes += 1 } else { break }
        }
        // 39 x 16,002 = 624,078 spent leaves 16,002, less than a worst case: the 40th is refused.
        #expect(successes >= Self.budgetNano / Self.realCost - 1, stack.logs("\(successes) succeeded one at a time"))
        #expect(successes <= Self.budgetNano / Self.realCost)
        #expect(try await settledSpend(ledger, sequential.id, requests: successes) == successes * Self.realCost)
    }

    @Test(.enabled(if: !database.isEmpty, "needs LJQ_TEST_DATABASE_URL (scripts/ci/postgres.sh start)"))
    func aRuntimeKilledAndRestartedMidRunLosesNoSpendAndCountsNoneTwice() async throws {
        try await TestStack.run { stack in
            let environment = ["TOKEN_RUNTIME_STORE": "postgres", "TOKEN_RUNTIME_DATABASE_URL": Self.database, "TOKEN_RUNTIME_ENV": "staging"]
            async let runtimeStart = stack.tokenRuntime("token-runtime-1", environment: environment)
            async let upstreamStart = stack.mockUpstream()
            let (firstRuntime, upstream) = try await (runtimeStart, upstreamStart)
            var runtime = firstRuntime
            let gateways = try await gateways(stack, [runtime], count: 2, upstream: upstream)
            let token = try await runtime.issue(subject: "budget-restart", claims: ["max_budget_usd": Self.budgetUSD])
            var successes = 0
            var unavailable = 0
            var index = 0
            let deadline = ContinuousClock.now + .seconds(90)
            while index < 200, ContinuousClock.now < deadline {
                if index == 12 {
                    await runtime.process.forceKill()
                } else if index == 20 {
                    runtime = try await stack.tokenRuntime("token-runtime-2", port: runtime.port, environment: environment)
                }
                let answer = try await send(gateways[index % gateways.count], token.token)
                index += 1
                if answer.status == 200 {
                    successes += 1
                } else if answer.status == 503 {
                    // The runtime is down and the lease held does not cover the request: fail closed.
                    #expect(answer.errorCode == "budget_unavailable", "\(answer)")
                    unavailable += 1
                    try await Task.sleep(for: .milliseconds(100))
                } else {
                    #expect(answer.status == 429 && answer.errorCode == "insufficient_quota", "\(answer)")
                    if index > 20 { break }
                }
            }
            #expect(successes >= Self.budgetNano / Self.realCost - 1, stack.logs("\(successes) succeeded, \(unavailable) unavailable"))
            #expect(successes <= Self.budgetNano / Self.realCost)
            #expect(try await settledSpend(runtime, token.id, requests: successes) == successes * Self.realCost)
        }
    }

    @Test func anUpdateReachesEveryGatewayAtOnce() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateways = try await gateways(stack, [runtime], count: 3, upstream: upstream)
            // A budget of one worst case less a nano-dollar: nothing fits.
            let token = try await runtime.issue(subject: "patch", claims: ["max_budget_usd": "0.000016", "models": ["mock-echo"]])
            for gateway in gateways {
                let answer = try await send(gateway, token.token)
                #expect(answer.status == 429, "\(answer)")
            }
            // Raised: every gateway lets it through (the update event drops what each remembered).
            try await runtime.patch(token.id, ["max_budget_usd": "1"])
            for gateway in gateways {
                let through = await poll(timeout: .seconds(5), every: .milliseconds(20)) { (try? await send(gateway, token.token))?.status == 200 }
                #expect(through != nil, stack.logs("gateway \(gateway.port) still refuses after the PATCH"))
            }
            // Claims change at once too: the cached answer (30 s) is evicted by the event.
            try await runtime.patch(token.id, ["models": ["another-model"]])
            for gateway in gateways {
                let refused = await poll(timeout: .seconds(5), every: .milliseconds(20)) { (try? await send(gateway, token.token))?.status == 403 }
                #expect(refused != nil, stack.logs("gateway \(gateway.port) still serves a model the PATCH took away"))
            }
        }
    }

    @Test func aKilledGatewaysLeaseComesBackAfterItsTTL() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime(environment: ["TOKEN_RUNTIME_QUOTA_LEASE_TTL": "2s"])
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateways = try await gateways(stack, [runtime], count: 2, upstream: upstream)
            let token = try await runtime.issue(subject: "killed", claims: ["max_budget_usd": Self.budgetUSD])
            // The first gateway takes a lease (a quarter of the budget or more) and dies holding it.
            #expect(try await send(gateways[0], token.token).status == 200)
            try await Task.sleep(for: .seconds(1))  // its usage report has gone (a killed gateway's queue is lost)
            await gateways[0].process.forceKill()
            var successes = 1
            let deadline = ContinuousClock.now + .seconds(30)
            while successes < 60, ContinuousClock.now < deadline {
                let answer = try await send(gateways[1], token.token)
                if answer.status == 200 {
                    successes += 1
                } else if successes >= Self.budgetNano / Self.realCost - 1 {
                    break
                } else {
                    try await Task.sleep(for: .milliseconds(250))  // the dead gateway's lease has not lapsed yet
                }
            }
            #expect(successes >= Self.budgetNano / Self.realCost - 1, stack.logs("\(successes) succeeded"))
            #expect(successes <= Self.budgetNano / Self.realCost)
        }
    }
}
