import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Both services over HTTPS with a CA made for the test: the gateway serves clients over TLS,
/// introspects over TLS against a runtime its CA signed, and refuses a runtime whose certificate
/// that CA did not sign.
@Suite struct TLSTests {
    @Test(.timeLimit(.minutes(3)))
    func theGatewayAndTheRuntimeSpeakTLSAndTheGatewayRefusesAnUnknownRuntime() async throws {
        try await TestStack.run { stack in
            let certificates = try TestCertificates(in: stack.directory)
            do {
                async let runtimeStart = stack.tokenRuntime(tls: certificates)
                async let rogueStart = stack.tokenRuntime("rogue-runtime", tls: certificates, leaf: .rogue)
                async let upstreamStart = stack.mockUpstream()
                let (runtime, rogue, upstream) = try await (runtimeStart, rogueStart, upstreamStart)
                #expect(runtime.baseURL.hasPrefix("https://"))
                let providers = [ProviderEntry(name: "mock", port: upstream.port)]
                let gateway = try await stack.gateway(runtime: runtime, providers: providers, tls: certificates)
                let token = try await runtime.issue(subject: "tls").token

                // Over HTTPS end to end: client -> gateway (TLS) -> runtime (TLS, verified against the CA).
                let chat = try await gateway.chat(token, "over tls")
                #expect(chat.status == 200, stack.logs("chat over TLS: \(chat)"))
                let ready = try await gateway.get("/readyz")
                #expect(ready.status == 200, stack.logs("readyz over TLS: \(ready)"))
                // Plain HTTP to the HTTPS port gets no HTTP answer.
                let plain = try? await HTTP.send(.GET, "http://127.0.0.1:\(gateway.port)/healthz", timeout: .seconds(5))
                #expect(plain?.status != 200, "plain HTTP was served on the TLS port: \(String(describing: plain))")

                // A runtime whose certificate another CA signed: the gateway will not talk to it.
                let misled = try await stack.gateway("gateway-rogue", runtime: rogue, providers: providers, tls: certificates, readyPath: "/healthz")
                let refused = try await misled.chat(token, "to an impostor")
                #expect(refused.status == 503, stack.logs("a runtime with an unknown certificate was trusted: \(refused)"))
                #expect(try await misled.get("/readyz").status == 503)
                // The same gateway, and the CA, are fine with the real runtime: the refusal is the certificate.
                #expect(try await gateway.chat(token, "still fine").status == 200)
            } catch {
                await certificates.shutdown()
                throw error
            }
            await certificates.shutdown()
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aBadCertificateOrKeyFailsStartupNamingTheVariable() async throws {
        try await TestStack.run { stack in
            let certificates = try TestCertificates(in: stack.directory)
            await certificates.shutdown()
            let notPEM = stack.directory.appendingPathComponent("not-a-certificate.pem")
            try Data("not a certificate".utf8).write(to: notPEM)
            let providers = stack.directory.appendingPathComponent("providers.json")
            try ProviderEntry.file([ProviderEntry(name: "mock", port: 9)]).write(to: providers)
            let cases: [(String, [String: String], String)] = [
                (
                    Executables.gateway,
                    [
                        "GATEWAY_ENV": "dev", "GATEWAY_TOKEN_RUNTIME_MODE": "inmemory", "GATEWAY_PROVIDERS_FILE": providers.path,
                        "GATEWAY_TLS_CERT_FILE": notPEM.path, "GATEWAY_TLS_KEY_FILE": certificates.key(.server).path,
                    ],
                    "GATEWAY_TLS_CERT_FILE"
                ),
                (
                    Executables.runtime,
                    [
                        "TOKEN_RUNTIME_ENV": "dev", "TOKEN_RUNTIME_TLS_CERT_FILE": certificates.certificate(.server).path,
                        "TOKEN_RUNTIME_TLS_KEY_FILE": certificates.key(.rogue).path,  // another certificate's key
                    ],
                    "TOKEN_RUNTIME_TLS_KEY_FILE"
                ),
            ]
            for (executable, environment, variable) in cases {
                var environment = environment
                environment[executable == Executables.gateway ? "GATEWAY_HOST" : "TOKEN_RUNTIME_HOST"] = "127.0.0.1"
                environment[executable == Executables.gateway ? "GATEWAY_PORT" : "TOKEN_RUNTIME_PORT"] = String(try FreePort.next())
                let process = try stack.launch("\(executable)-bad-tls", executable: executable, environment: environment)
                let status = await process.waitForExit(timeout: .seconds(30))
                #expect(status == 2, stack.logs("\(executable) with a bad \(variable): exit status \(String(describing: status))"))
                #expect(process.stderr.contains(variable), stack.logs("\(executable): \(variable) not named"))
            }
        }
    }

    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["LJQ_PYTHON"].map { !$0.isEmpty } ?? false,
            "set LJQ_PYTHON to a Python interpreter that has the openai package"),
        .timeLimit(.minutes(3)))
    func openAIPythonSDKOverHTTPS() async throws {
        let python = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["LJQ_PYTHON"]))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sdk/openai_sdk_check.py")
        try await TestStack.run { stack in
            let certificates = try TestCertificates(in: stack.directory)
            do {
                async let runtimeStart = stack.tokenRuntime(tls: certificates)
                async let upstreamStart = stack.mockUpstream()
                let (runtime, upstream) = try await (runtimeStart, upstreamStart)
                let gateway = try await stack.gateway(
                    runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)], tls: certificates)
                let token = try await runtime.issue(subject: "openai-python-sdk-tls").token
                #expect(gateway.baseURL.hasPrefix("https://"))
                let check = try stack.launch(
                    "openai-sdk-check-tls", executableURL: python, arguments: [script.path],
                    environment: [
                        "LJQ_GATEWAY_BASE_URL": gateway.baseURL + "/v1", "LJQ_TOKEN": token, "LJQ_CA_FILE": certificates.caFile.path,
                        "PYTHONUNBUFFERED": "1",
                    ])
                let status = await check.waitForExit(timeout: .seconds(90))
                #expect(status == 0, stack.logs("the SDK check over HTTPS failed or timed out"))
                #expect(check.stdout.contains("SDK OK") && check.stdout.contains("tls: verified against"), stack.logs)
            } catch {
                await certificates.shutdown()
                throw error
            }
            await certificates.shutdown()
        }
    }
}
