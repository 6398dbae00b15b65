import Foundation
import Testing
import TokenProtocol

/// Floods of forged well-formed tokens, from distinct loopback source addresses (the whole
/// 127.0.0.0/8 is local): shed per client address before they cost an introspection, while valid
/// tokens keep working.
@Suite struct ForgedTokenFloodTests {
    /// Failed authentications per minute: one comes back every 10 s, longer than each scenario's flood takes.
    static let limit = 6

    /// One chat request from `source` with `token`, optionally with an `X-Forwarded-For`.
    static func chat(_ gateway: GatewayProcess, token: String, from source: String, forwardedFor: String? = nil) async throws
        -> RawConnection.Outcome
    {
        var headers = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")]
        if let forwardedFor { headers.append(("X-Forwarded-For", forwardedFor)) }
        return try await RawConnection.request(
            port: gateway.port, path: "/v1/chat/completions", headers: headers,
            body: #"{"model":"mock-echo","messages":[{"role":"user","content":"hi"}]}"#, source: source)
    }

    static func errorCode(_ outcome: RawConnection.Outcome) -> String? {
        guard let range = outcome.text.range(of: "\r\n\r\n") else { return nil }
        let body = Data(outcome.text[range.upperBound...].utf8)
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        return (json?["error"] as? [String: Any])?["code"] as? String
    }

    static func header(_ name: String, _ outcome: RawConnection.Outcome) -> String? {
        for line in outcome.text.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// A runtime, a mock provider and a gateway (revocation stream off: these tests count introspections).
    static func start(
        _ stack: TestStack, gateway gatewayEnvironment: [String: String] = [:], runtime runtimeEnvironment: [String: String] = [:]
    ) async throws -> (TokenRuntime, GatewayProcess) {
        async let runtimeStart = stack.tokenRuntime(environment: runtimeEnvironment)
        async let upstreamStart = stack.mockUpstream()
        let (runtime, upstream) = try await (runtimeStart, upstreamStart)
        let gateway = try await stack.gateway(
            runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)],
            environment: gatewayEnvironment.merging(["GATEWAY_REVOCATION_STREAM": "off"]) { old, _ in old })
        return (runtime, gateway)
    }

    static func introspections(_ runtime: TokenRuntime) async throws -> Double {
        let text = try await HTTP.send(.GET, runtime.baseURL + "/metrics").body
        return text.split(separator: "\n").filter { $0.hasPrefix("token_runtime_introspections_total") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    @Test func aFloodFromOneAddressIsShedWhileOtherAddressesAreServed() async throws {
        try await TestStack.run { stack in
            let (runtime, gateway) = try await Self.start(stack, gateway: ["GATEWAY_AUTH_FAILURE_LIMIT": String(Self.limit)])
            let valid = try await runtime.issue(subject: "legitimate").token
            let first = try await Self.chat(gateway, token: valid, from: "127.0.0.2")
            #expect(first.status == 200, "\(first)")
            let before = try await Self.introspections(runtime)

            var flood: [Int] = []
            var shed: [RawConnection.Outcome] = []
            for index in 0..<(Self.limit + 6) {
                let answer = try await Self.chat(gateway, token: TokenFormat.generate(), from: "127.0.0.3")
                flood.append(answer.status ?? 0)
                if answer.status == 429 { shed.append(answer) }
                if index % 3 == 0 {
                    let legitimate = try await Self.chat(gateway, token: valid, from: "127.0.0.2")
                    #expect(legitimate.status == 200, "valid token during the flood: \(legitimate)")
                }
            }
            #expect(flood == Array(repeating: 401, count: Self.limit) + Array(repeating: 429, count: 6), stack.logs)
            for answer in shed {
                #expect(Self.errorCode(answer) == "too_many_failed_authentications", "\(answer)")
                #expect(Self.header("Retry-After", answer).flatMap(Int.init).map { $0 >= 1 } == true, "\(answer)")
            }
            // Only the first `limit` forged tokens reached the runtime.
            #expect(try await Self.introspections(runtime) - before == Double(Self.limit), stack.logs)
            // A forged token from a third address is still judged on its own: 401, not 429.
            let third = try await Self.chat(gateway, token: TokenFormat.generate(), from: "127.0.0.4")
            #expect(third.status == 401, "\(third)")
            // The flooding address's own valid (cached) token still works.
            let sameAddress = try await Self.chat(gateway, token: valid, from: "127.0.0.3")
            #expect(sameAddress.status == 200, "\(sameAddress)")
            // A malformed token from the flooding address is refused with 429 too.
            let malformed = try await Self.chat(gateway, token: "ljq_nonsense", from: "127.0.0.3")
            #expect(malformed.status == 429, "\(malformed)")

            #expect(try await gateway.metric("gateway_auth_shed_total", ["limit": "client_address"]) == 7)
            #expect(try await gateway.metric("gateway_auth_failures_total", ["reason": "unknown"]) == Double(Self.limit + 1))
            #expect(try await gateway.metric("gateway_auth_addresses_over_budget") == 1)
            let log = gateway.process.logTail()
            #expect(log.contains("over its budget of failed authentications") && log.contains("127.0.0.3"), "\(log)")
        }
    }

    /// Behind a trusted proxy (127.0.0.5) the forwarded address is charged; the same header from
    /// an untrusted peer is ignored.
    @Test func forwardedAddressesAreChargedOnlyFromTrustedProxies() async throws {
        try await TestStack.run { stack in
            let (_, gateway) = try await Self.start(
                stack, gateway: ["GATEWAY_AUTH_FAILURE_LIMIT": String(Self.limit), "GATEWAY_TRUSTED_PROXIES": "127.0.0.5"])
            var statuses: [Int] = []
            for _ in 0..<(Self.limit + 3) {
                statuses.append(
                    try await Self.chat(gateway, token: TokenFormat.generate(), from: "127.0.0.5", forwardedFor: "198.51.100.7").status ?? 0)
            }
            #expect(statuses == Array(repeating: 401, count: Self.limit) + Array(repeating: 429, count: 3))
            // Another client behind the same proxy has its own budget.
            let neighbour = try await Self.chat(gateway, token: TokenFormat.generate(), from: "127.0.0.5", forwardedFor: "198.51.100.8")
            #expect(neighbour.status == 401, "\(neighbour)")
            // An untrusted peer cannot charge (or borrow) the forwarded address: its header is ignored.
            let untrusted = try await Self.chat(gateway, token: TokenFormat.generate(), from: "127.0.0.6", forwardedFor: "198.51.100.7")
            #expect(untrusted.status == 401, "\(untrusted)")
            // And the proxy's own address was never charged.
            let proxyItself = try await Self.chat(gateway, token: TokenFormat.generate(), from: "127.0.0.5")
            #expect(proxyItself.status == 401, "\(proxyItself)")
        }
    }

    /// The runtime's own credentials: wrong introspection secrets from one address spend that
    /// address's budget (then even the right secret gets 429 there), while the gateway, calling
    /// from another address, keeps introspecting new tokens.
    @Test func wrongRuntimeCredentialsFromOneAddressDoNotLockOutTheGateway() async throws {
        try await TestStack.run { stack in
            let (runtime, gateway) = try await Self.start(stack, runtime: ["TOKEN_RUNTIME_AUTH_FAILURE_LIMIT": String(Self.limit)])
            func introspect(secret: String) async throws -> RawConnection.Outcome {
                try await RawConnection.request(
                    port: runtime.port, path: "/v1/introspect",
                    headers: [("Authorization", "Bearer \(secret)"), ("Content-Type", "application/x-www-form-urlencoded")],
                    body: "token=\(TokenFormat.generate())", source: "127.0.0.7")
            }
            var statuses: [Int] = []
            for attempt in 0..<Self.limit { statuses.append(try await introspect(secret: "guess-\(attempt)-0123456789").status ?? 0) }
            let rightSecret = try await introspect(secret: TestStack.introspectionSecret)
            #expect(statuses == Array(repeating: 401, count: Self.limit))
            #expect(rightSecret.status == 429, "\(rightSecret)")
            #expect(Self.header("Retry-After", rightSecret) != nil, "\(rightSecret)")
            // The gateway (another address) introspects a token it has never seen.
            let fresh = try await runtime.issue(subject: "after-the-guessing").token
            let answer = try await gateway.chat(fresh)
            #expect(answer.status == 200, stack.logs("\(answer)"))
        }
    }
}
