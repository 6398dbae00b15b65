import Foundation
import Testing

/// The environment policy as the executables enforce it: outside `dev`, unsafe settings stop
/// startup with a non-zero status and a message naming each offending variable.
@Suite struct ExecutablesTests {
    @Test func bothExecutablesAreBuilt() throws {
        for name in [Executables.gateway, Executables.runtime] {
            _ = try Executables.url(name)
        }
    }

    /// Runs an executable that must refuse to start; returns its stderr.
    private func refusedStartup(
        _ stack: TestStack, _ executable: String, _ environment: [String: String], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let process = try stack.launch("\(executable)-policy", executable: executable, environment: environment)
        let status = await process.waitForExit(timeout: .seconds(30))
        #expect(status != nil, stack.logs("\(executable) did not exit: it started despite the policy"), sourceLocation: sourceLocation)
        #expect(status.map { $0 != 0 } ?? false, stack.logs("\(executable) exited with status 0"), sourceLocation: sourceLocation)
        #expect(!process.exitedBySignal, stack.logs("\(executable) crashed"), sourceLocation: sourceLocation)
        return process.stderr
    }

    @Test func productionGatewayRefusesInMemoryMode() async throws {
        try await TestStack.run { stack in
            let providers = stack.directory.appendingPathComponent("providers.json")
            try ProviderEntry.file([ProviderEntry(name: "mock", port: 9)]).write(to: providers)
            let stderr = try await refusedStartup(
                stack, Executables.gateway,
                [
                    "GATEWAY_ENV": "production", "GATEWAY_TOKEN_RUNTIME_MODE": "inmemory", "GATEWAY_HOST": "127.0.0.1",
                    "GATEWAY_PORT": String(try FreePort.next()), "GATEWAY_PROVIDERS_FILE": providers.path,
                    "PASSWORD_ENCRYPTION_KEY": "0123456789abcdef0123456789abcdef", "GATEWAY_CORS_ALLOW_ORIGINS": "https://app.example.com",
                ])
            #expect(stderr.contains("GATEWAY_TOKEN_RUNTIME_MODE"), "stderr: \(stderr)")
            // Only the mode is wrong here, so only the mode is named.
            #expect(!stderr.contains("PASSWORD_ENCRYPTION_KEY") && !stderr.contains("GATEWAY_CORS_ALLOW_ORIGINS"), "stderr: \(stderr)")
        }
    }

    @Test func productionGatewayRequiresTheEncryptionKeyAndExplicitCORSOrigins() async throws {
        try await TestStack.run { stack in
            let providers = stack.directory.appendingPathComponent("providers.json")
            try ProviderEntry.file([ProviderEntry(name: "mock", port: 9)]).write(to: providers)
            let base = [
                "GATEWAY_ENV": "production", "GATEWAY_TOKEN_RUNTIME_MODE": "remote_introspection",
                "GATEWAY_TOKEN_RUNTIME_URL": "http://127.0.0.1:9", "GATEWAY_TOKEN_RUNTIME_SECRET": TestStack.introspectionSecret,
                "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": String(try FreePort.next()), "GATEWAY_PROVIDERS_FILE": providers.path,
            ]
            let both = try await refusedStartup(stack, Executables.gateway, base)
            #expect(both.contains("PASSWORD_ENCRYPTION_KEY") && both.contains("GATEWAY_CORS_ALLOW_ORIGINS"), "stderr: \(both)")

            // `*` is no explicit list outside dev.
            var wildcard = base
            wildcard["PASSWORD_ENCRYPTION_KEY"] = "0123456789abcdef0123456789abcdef"
            wildcard["GATEWAY_CORS_ALLOW_ORIGINS"] = "*"
            let cors = try await refusedStartup(stack, Executables.gateway, wildcard)
            #expect(cors.contains("GATEWAY_CORS_ALLOW_ORIGINS") && !cors.contains("PASSWORD_ENCRYPTION_KEY"), "stderr: \(cors)")
        }
    }

    @Test func productionRuntimeRequiresBothSecrets() async throws {
        try await TestStack.run { stack in
            let stderr = try await refusedStartup(
                stack, Executables.runtime,
                ["TOKEN_RUNTIME_ENV": "production", "TOKEN_RUNTIME_HOST": "127.0.0.1", "TOKEN_RUNTIME_PORT": String(try FreePort.next())])
            #expect(
                stderr.contains("TOKEN_RUNTIME_ADMIN_KEY") && stderr.contains("TOKEN_RUNTIME_INTROSPECTION_SECRET"), "stderr: \(stderr)")
        }
    }
}
