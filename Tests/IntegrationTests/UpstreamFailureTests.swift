import Foundation
import Testing

/// Providers that are down or slow, behind a real gateway process.
@Suite struct UpstreamFailureTests {
    /// One of two providers for a model is a port nobody listens on.
    @Test func aDeadProviderIsFallenBackFromThenSkipped() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let fastStart = stack.mockUpstream("mock-fast")
            // Slower than a failed dial (100 ms below), so `latency` ordering alone would keep trying
            // the dead provider first for a while: only `availability`'s cooldown takes it out after 3.
            async let slowStart = stack.mockUpstream("mock-500ms", delay: "500ms")
            let (runtime, fast, slow) = try await (runtimeStart, fastStart, slowStart)
            // Ports nobody listens on. A refused connection costs the gateway its whole dial timeout
            // (AsyncHTTPClient retries connection establishment until then), hence the short ones below.
            let deadPort = try FreePort.next()
            let otherDeadPort = try FreePort.next()

            async let latencyStart = stack.gateway(
                "gateway-latency", runtime: runtime,
                providers: [ProviderEntry(name: "dead", port: deadPort), ProviderEntry(name: "live", port: fast.port)])
            async let availabilityStart = stack.gateway(
                "gateway-availability", runtime: runtime,
                providers: [ProviderEntry(name: "dead", port: deadPort), ProviderEntry(name: "live", port: slow.port)],
                environment: ["GATEWAY_ROUTING_STRATEGY": "availability", "GATEWAY_HTTP_DIAL_TIMEOUT": "100ms"])
            async let allDeadStart = stack.gateway(
                "gateway-all-dead", runtime: runtime,
                providers: [ProviderEntry(name: "dead", port: deadPort), ProviderEntry(name: "dead2", port: otherDeadPort)],
                environment: ["GATEWAY_HTTP_DIAL_TIMEOUT": "500ms"])
            let (latency, availability, allDead) = try await (latencyStart, availabilityStart, allDeadStart)
            let token = try await runtime.issue(subject: "upstream-down").token

            // The three gateways are independent: their phases run side by side.
            async let latencyPhase: Void = Self.fallsBackFromTheDeadProvider(latency, token: token, stack: stack)
            async let availabilityPhase: Void = Self.coolsDownTheDeadProvider(availability, token: token, stack: stack)
            async let allDeadPhase: Void = Self.answers502WhenAllAreDead(allDead, token: token, stack: stack)
            _ = try await (latencyPhase, availabilityPhase, allDeadPhase)
            for gateway in [latency, availability, allDead] { #expect(gateway.process.isRunning, stack.logs) }
        }
    }

    static let upstreamCalls = "gateway_upstream_duration_seconds_count"
    static let deadErrors = ["provider": "dead", "outcome": "error"]
    static let liveOK = ["provider": "live", "outcome": "ok"]

    /// Default routing (latency): every request succeeds, falling back from the dead provider.
    static func fallsBackFromTheDeadProvider(_ gateway: GatewayProcess, token: String, stack: TestStack) async throws {
        var statuses: [Int] = []
        for index in 0..<10 { statuses.append(try await gateway.chat(token, "request \(index)").status) }
        #expect(statuses == Array(repeating: 200, count: 10), stack.logs)
        let liveCalls = try await gateway.metric(upstreamCalls, liveOK)
        let deadCalls = try await gateway.metric(upstreamCalls, deadErrors)
        #expect(liveCalls == 10)
        #expect(deadCalls >= 1, "the dead provider was never tried")
    }

    /// `availability`: after 3 failures in a row the dead provider cools down (30 s) and is no
    /// longer tried while the live one answers.
    static func coolsDownTheDeadProvider(_ gateway: GatewayProcess, token: String, stack: TestStack) async throws {
        var statuses: [Int] = []
        for index in 0..<6 { statuses.append(try await gateway.chat(token, "request \(index)").status) }
        #expect(statuses == Array(repeating: 200, count: 6), stack.logs)
        let deadBefore = try await gateway.metric(upstreamCalls, deadErrors)
        #expect(deadBefore == 3, stack.logs)
        statuses = []
        for index in 0..<6 { statuses.append(try await gateway.chat(token, "more \(index)").status) }
        #expect(statuses == Array(repeating: 200, count: 6))
        let deadAfter = try await gateway.metric(upstreamCalls, deadErrors)
        let liveAfter = try await gateway.metric(upstreamCalls, liveOK)
        #expect(deadAfter == 3, stack.logs("the dead provider was tried again during its cooldown"))
        #expect(liveAfter == 12)
    }

    /// Every provider dead: 502 in OpenAI's envelope, within the timeouts (2 dials of 500 ms).
    static func answers502WhenAllAreDead(_ gateway: GatewayProcess, token: String, stack: TestStack) async throws {
        for body in [Bodies.chat(), Bodies.chat(stream: true)] {
            let start = ContinuousClock.now
            let answer = try await gateway.post("/v1/chat/completions", token: token, body: body)
            let elapsed = ContinuousClock.now - start
            #expect(answer.status == 502 && answer.errorCode == "upstream_error", stack.logs("\(answer)"))
            #expect(elapsed < .seconds(5), "502 took \(elapsed)")
        }
    }

    /// An upstream silent for 10 s against a 1 s read timeout: 504 after about a second, and the
    /// gateway keeps serving other models at once.
    @Test func aSilentUpstreamIs504AfterTheReadTimeout() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let slowStart = stack.mockUpstream("mock-silent", models: ["mock-slow"], delay: "10s")
            async let fastStart = stack.mockUpstream("mock-fast")
            let (runtime, slow, fast) = try await (runtimeStart, slowStart, fastStart)
            let gateway = try await stack.gateway(
                runtime: runtime,
                providers: [
                    ProviderEntry(name: "silent", port: slow.port, models: ["mock-slow"]),
                    ProviderEntry(name: "fast", port: fast.port, models: ["mock-echo"]),
                ],
                environment: ["GATEWAY_HTTP_READ_TIMEOUT": "1s"])
            let token = try await runtime.issue(subject: "slow-upstream").token

            for stream in [false, true] {
                let start = ContinuousClock.now
                let answer = try await gateway.post("/v1/chat/completions", token: token, body: Bodies.chat(model: "mock-slow", stream: stream))
                let elapsed = ContinuousClock.now - start
                #expect(answer.status == 504 && answer.errorCode == "upstream_timeout", stack.logs("stream \(stream): \(answer)"))
                #expect(elapsed >= .milliseconds(900), "504 before the read timeout: \(elapsed)")
                #expect(elapsed < .seconds(5), "504 took \(elapsed)")

                let start2 = ContinuousClock.now
                let normal = try await gateway.chat(token)
                #expect(normal.status == 200, stack.logs("\(normal)"))
                #expect(ContinuousClock.now - start2 < .seconds(5))
            }
            #expect(gateway.process.isRunning)
        }
    }
}
