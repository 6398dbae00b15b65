import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

@Suite struct RuntimeConfigurationTests {
    let secrets = [
        "TOKEN_RUNTIME_ADMIN_KEY": "admin-key-0123456789abcdef",
        "TOKEN_RUNTIME_INTROSPECTION_SECRET": "introspection-0123456789abcdef",
    ]

    @Test func devGeneratesMissingSecretsAndDefaults() throws {
        let configuration = try RuntimeConfiguration.load(from: ["TOKEN_RUNTIME_ENV": "dev"])
        #expect(configuration.generatedSecrets == ["TOKEN_RUNTIME_ADMIN_KEY", "TOKEN_RUNTIME_INTROSPECTION_SECRET"])
        #expect(configuration.adminKey.count >= RuntimeConfiguration.minimumSecretLength)
        #expect(configuration.adminKey != configuration.introspectionSecret)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 18081)
        #expect(configuration.store == .memory)
    }

    @Test(arguments: ["production", "staging", "anything"])
    func outsideDevBothSecretsAreRequiredAndNamed(_ name: String) {
        #expect {
            try RuntimeConfiguration.load(from: ["TOKEN_RUNTIME_ENV": name, "TOKEN_RUNTIME_STORE": "postgres", "TOKEN_RUNTIME_DATABASE_URL": "postgres://x@localhost/db"])
        } throws: { error in
            let errors = error as? ConfigurationErrors
            return errors?.errors.map(\.variable) == ["TOKEN_RUNTIME_ADMIN_KEY", "TOKEN_RUNTIME_INTROSPECTION_SECRET"]
        }
    }

    @Test func unsetEnvironmentMeansProduction() {
        #expect(throws: ConfigurationErrors.self) { try RuntimeConfiguration.load(from: [:]) }
    }

    @Test func outsideDevTheMemoryStoreIsRefused() {
        var env = secrets
        env["TOKEN_RUNTIME_ENV"] = "production"
        env["TOKEN_RUNTIME_STORE"] = "memory"
        #expect { try RuntimeConfiguration.load(from: env) } throws: { error in
            (error as? ConfigurationErrors)?.errors.map(\.variable) == ["TOKEN_RUNTIME_STORE"]
        }
    }

    @Test func invalidValuesAreAllReportedTogether() {
        var env = secrets
        env["TOKEN_RUNTIME_ENV"] = "dev"
        env["TOKEN_RUNTIME_PORT"] = "99999"
        env["TOKEN_RUNTIME_DEFAULT_TTL"] = "forever"
        env["TOKEN_RUNTIME_ADMIN_KEY"] = "short"
        #expect { try RuntimeConfiguration.load(from: env) } throws: { error in
            Set((error as? ConfigurationErrors)?.errors.map(\.variable) ?? [])
                == ["TOKEN_RUNTIME_PORT", "TOKEN_RUNTIME_DEFAULT_TTL", "TOKEN_RUNTIME_ADMIN_KEY"]
        }
    }

    @Test func explicitValuesAreUsed() throws {
        var env = secrets
        env["TOKEN_RUNTIME_ENV"] = "dev"
        env["TOKEN_RUNTIME_PORT"] = "19000"
        env["TOKEN_RUNTIME_DEFAULT_TTL"] = "2h"
        let configuration = try RuntimeConfiguration.load(from: env)
        #expect(configuration.port == 19000)
        #expect(configuration.defaultTTL == 7200)
        #expect(configuration.generatedSecrets.isEmpty)
        #expect(configuration.adminKey == "admin-key-0123456789abcdef")
    }

    @Test func theQuotaLeaseTTLIsAPositiveDuration() throws {
        var env = secrets
        env["TOKEN_RUNTIME_ENV"] = "dev"
        #expect(try RuntimeConfiguration.load(from: env).quotaLeaseTTL == .seconds(30))
        env["TOKEN_RUNTIME_QUOTA_LEASE_TTL"] = "90s"
        #expect(try RuntimeConfiguration.load(from: env).quotaLeaseTTL == .seconds(90))
        env["TOKEN_RUNTIME_QUOTA_LEASE_TTL"] = "0s"
        #expect { try RuntimeConfiguration.load(from: env) } throws: { error in
            (error as? ConfigurationErrors)?.errors.map(\.variable) == ["TOKEN_RUNTIME_QUOTA_LEASE_TTL"]
        }
    }
}
