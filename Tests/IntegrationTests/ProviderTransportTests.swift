import Foundation
import Testing

/// The gateway's own provider client (SwiftNIO, issue 18) between real processes: HTTPS to a
/// provider under a private CA (GATEWAY_PROVIDER_CA_FILE), a provider whose certificate nobody
/// signed refused, and provider traffic through an egress proxy (HTTP_PROXY, NO_PROXY).
@Suite struct ProviderTransportTests {
    @Test(.timeLimit(.minutes(3)))
    func providersOverTLSAreVerifiedAgainstTheSystemAndTheConfiguredCA() async throws {
        try await TestStack.run { stack in
            let certificates = try TestCertificates(in: stack.directory)
            do {
                async let runtimeStart = stack.tokenRuntime()
                async let goodStart = stack.mockUpstream(tls: certificates)
                async let rogueStart = stack.mockUpstream("mock-rogue", models: ["mock-rogue"], tls: certificates, leaf: .rogue)
                let (runtime, good, rogue) = try await (runtimeStart, goodStart, rogueStart)
                let providers = [
                    ProviderEntry(name: "good", port: good.port, scheme: "https"),
                    ProviderEntry(name: "rogue", port: rogue.port, models: ["mock-rogue"], scheme: "https"),
                ]
                let trusting = try await stack.gateway(
                    runtime: runtime, providers: providers, environment: ["GATEWAY_PROVIDER_CA_FILE": certificates.caFile.path])
                let token = try await runtime.issue(subject: "provider-tls").token

                let chat = try await trusting.chat(token, "over tls to the provider")
                #expect(chat.status == 200, stack.logs("chat to an https provider: \(chat)"))
                #expect(chat.body.contains("over tls to the provider"))
                let streamed = try await trusting.post("/v1/chat/completions", token: token, body: Bodies.chat("streamed over tls", stream: true))
                #expect(streamed.status == 200, stack.logs("stream from an https provider: \(streamed)"))
                #expect(streamed.body.contains("data: [DONE]"))

                // A certificate the configured CA did not sign: never talked to.
                let impostor = try await trusting.chat(token, "to an impostor", model: "mock-rogue")
                #expect(impostor.status == 502, stack.logs("a provider with an unknown certificate answered: \(impostor)"))

                // Without the CA file the private CA is not trusted either.
                let plain = try await stack.gateway("gateway-no-ca", runtime: runtime, providers: providers)
                let refused = try await plain.chat(token, "untrusted")
                #expect(refused.status == 502, stack.logs("a provider under an untrusted CA answered: \(refused)"))
            } catch {
                await certificates.shutdown()
                throw error
            }
            await certificates.shutdown()
        }
    }

    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["LJQ_PYTHON"].map { !$0.isEmpty } ?? false,
            "set LJQ_PYTHON to a Python interpreter (the proxy is standard library only)"),
        .timeLimit(.minutes(3)))
    func providerTrafficGoesThroughTheEgressProxyUnlessNoProxyNamesTheHost() async throws {
        let python = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["LJQ_PYTHON"]))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("proxy/forward_proxy.py")
        try await TestStack.run { stack in
            let proxyPort = try FreePort.next()
            let proxy = try stack.launch(
                "forward-proxy", executableURL: python, arguments: [script.path, String(proxyPort)], environment: ["PYTHONUNBUFFERED": "1"])
            #expect(await poll(timeout: .seconds(20)) { proxy.stdout.contains("LISTENING") } != nil, stack.logs("the proxy did not start"))
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let providers = [ProviderEntry(name: "mock", port: upstream.port)]
            let token = try await runtime.issue(subject: "egress-proxy").token

            let proxied = try await stack.gateway(
                "gateway-proxied", runtime: runtime, providers: providers, environment: ["HTTP_PROXY": "http://127.0.0.1:\(proxyPort)"])
            let chat = try await proxied.chat(token, "through the proxy")
            #expect(chat.status == 200, stack.logs("chat through the egress proxy: \(chat)"))
            #expect(chat.body.contains("through the proxy"))
            // AsyncHTTPClient tunnels through the proxy with CONNECT, for http origins too.
            let line = "PROXIED CONNECT 127.0.0.1:\(upstream.port)"
            #expect(proxy.stdout.contains(line), stack.logs("the proxy did not carry the provider call:\n\(proxy.stdout)"))
            let seen = proxy.stdout.components(separatedBy: "PROXIED").count

            let direct = try await stack.gateway(
                "gateway-no-proxy", runtime: runtime, providers: providers,
                environment: ["HTTP_PROXY": "http://127.0.0.1:\(proxyPort)", "NO_PROXY": "localhost,127.0.0.1"])
            #expect(try await direct.chat(token, "around the proxy").status == 200)
            #expect(proxy.stdout.components(separatedBy: "PROXIED").count == seen, "NO_PROXY was ignored:\n\(proxy.stdout)")
        }
    }
}
