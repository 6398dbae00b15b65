import Foundation
import Testing
import ServiceSupport
import TokenProtocol
@testable import Gateway

/// Every combination of GATEWAY_ENV x mode x encryption key x CORS: starts, or fails with exactly
/// these messages (written out here, not borrowed from the code under test).
@Suite struct EnvPolicyTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var environment: String
        var mode: String
        var key: Bool
        var cors: String?
        var testDescription: String { "\(environment) \(mode) key:\(key) cors:\(cors ?? "unset")" }
    }

    static let cases: [Case] = ["dev", "staging", "production", "other"].flatMap { environment in
        ["inmemory", "remote_introspection"].flatMap { mode in
            [true, false].flatMap { key in
                [nil, "*", "https://app.example.com"].map { Case(environment: environment, mode: mode, key: key, cors: $0) }
            }
        }
    }

    static func expectedErrors(_ c: Case) -> [ConfigurationError] {
        guard c.environment != "dev" else { return [] }
        var errors: [ConfigurationError] = []
        if c.mode == "inmemory" {
            errors.append(.init(
                variable: "GATEWAY_TOKEN_RUNTIME_MODE",
                message: "GATEWAY_TOKEN_RUNTIME_MODE=inmemory is allowed only when GATEWAY_ENV=dev (GATEWAY_ENV is \"\(c.environment)\"); use remote_introspection with GATEWAY_TOKEN_RUNTIME_URL"))
        }
        if !c.key {
            errors.append(.init(
                variable: "PASSWORD_ENCRYPTION_KEY",
                message: "required when GATEWAY_ENV is \"\(c.environment)\" (exactly 32 bytes; only dev may use the default key)"))
        }
        if c.cors == nil {
            errors.append(.init(
                variable: "GATEWAY_CORS_ALLOW_ORIGINS",
                message: "required when GATEWAY_ENV is \"\(c.environment)\": a comma-separated list of origins such as https://app.example.com"))
        } else if c.cors == "*" {
            errors.append(.init(
                variable: "GATEWAY_CORS_ALLOW_ORIGINS",
                message: "\"*\" is allowed only when GATEWAY_ENV=dev (GATEWAY_ENV is \"\(c.environment)\"); list the origins explicitly"))
        }
        return errors
    }

    @Test(arguments: cases)
    func policy(_ c: Case) throws {
        var env = [
            "GATEWAY_ENV": c.environment, "GATEWAY_TOKEN_RUNTIME_MODE": c.mode,
            "GATEWAY_TOKEN_RUNTIME_SECRET": "introspection-secret-0123", "GATEWAY_PROVIDERS_FILE": "/p.json",
        ]
        if c.key { env["PASSWORD_ENCRYPTION_KEY"] = "0123456789abcdef0123456789abcdef" }
        if let cors = c.cors { env["GATEWAY_CORS_ALLOW_ORIGINS"] = cors }
        let expected = Self.expectedErrors(c)
        do {
            let configuration = try GatewayConfiguration.load(from: env, readFile: { _ in Data(GatewayHarness.mockProviders().utf8) })
            #expect(expected.isEmpty, "started but should have failed with \(expected)")
            if c.environment == "dev" {
                #expect(configuration.warnings.contains("dev only: PASSWORD_ENCRYPTION_KEY is unset, using the built-in development key") == !c.key)
                #expect(configuration.warnings.contains("dev only: GATEWAY_CORS_ALLOW_ORIGINS is unset or *, allowing every origin") == (c.cors != "https://app.example.com"))
                #expect(configuration.cors.allows("https://evil.example") == (c.cors != "https://app.example.com"))
            }
            #expect(configuration.mode.rawValue == c.mode)
        } catch {
            #expect(error.errors == expected)
        }
    }

    @Test func unknownModeNamesFailAndUnknownStrategiesWarn() {
        #expect {
            try GatewayConfiguration.load(from: ["GATEWAY_ENV": "dev", "GATEWAY_TOKEN_RUNTIME_MODE": "local", "OPENAI_API_KEY": "k"])
        } throws: { ($0 as? ConfigurationErrors)?.errors.map(\.variable) == ["GATEWAY_TOKEN_RUNTIME_MODE"] }
        let configuration = try? GatewayConfiguration.load(from: [
            "GATEWAY_ENV": "dev", "GATEWAY_TOKEN_RUNTIME_MODE": "inmemory", "OPENAI_API_KEY": "k", "GATEWAY_ROUTING_STRATEGY": "cheapest_first",
        ])
        #expect(configuration?.routing == .latency)
        #expect(configuration?.warnings.contains("GATEWAY_ROUTING_STRATEGY \"cheapest_first\" is unknown; using latency") == true)
    }

    @Test func remoteModeNeedsTheSecretAndAProvider() {
        #expect {
            try GatewayConfiguration.load(from: ["GATEWAY_ENV": "dev"])
        } throws: { error in
            Set((error as? ConfigurationErrors)?.errors.map(\.variable) ?? []) == ["GATEWAY_TOKEN_RUNTIME_SECRET", "GATEWAY_PROVIDERS_FILE"]
        }
    }

    @Test func aWrongOrShortKeyFailsStartup() throws {
        let key = Array("0123456789abcdef0123456789abcdef".utf8)
        let encrypted = try SecretBox.encrypt("sk-secret", key: key)
        #expect(try SecretBox.decrypt(encrypted, key: key) == "sk-secret")
        let providers = #"{"providers":[{"name":"p","type":"openai","api_key":"\#(encrypted)","models":["m"]}]}"#
        let base = ["GATEWAY_ENV": "dev", "GATEWAY_TOKEN_RUNTIME_MODE": "inmemory", "GATEWAY_PROVIDERS_FILE": "/p"]
        var good = base
        good["PASSWORD_ENCRYPTION_KEY"] = "0123456789abcdef0123456789abcdef"
        let configuration = try GatewayConfiguration.load(from: good, readFile: { _ in Data(providers.utf8) })
        #expect(configuration.providers.first?.apiKey == "sk-secret")
        var wrong = base
        wrong["PASSWORD_ENCRYPTION_KEY"] = "ffffffffffffffffffffffffffffffff"
        #expect { try GatewayConfiguration.load(from: wrong, readFile: { _ in Data(providers.utf8) }) } throws: { error in
            let errors = (error as? ConfigurationErrors)?.errors ?? []
            return errors.count == 1 && errors[0].variable == "PASSWORD_ENCRYPTION_KEY" && errors[0].message.contains("provider p")
        }
        var short = base
        short["PASSWORD_ENCRYPTION_KEY"] = "short"
        #expect { try GatewayConfiguration.load(from: short, readFile: { _ in Data(providers.utf8) }) } throws: { error in
            (error as? ConfigurationErrors)?.errors.first?.message == "must be exactly 32 bytes (got 5)"
        }
    }

    @Test(arguments: [
        #"{"providers":[]}"#, #"{"providers":[{"type":"mock","models":["m"]}]}"#, #"{"providers":[{"name":"a","type":"grpc","models":["m"]}]}"#,
        #"{"providers":[{"name":"a","type":"mock","models":[]}]}"#, #"{"providers":[{"name":"a","type":"mock","models":["m"]},{"name":"a","type":"mock","models":["n"]}]}"#,
        #"{"providers":[{"name":"a","type":"mock","models":["m"],"timeout":"soon"}]}"#, "not json",
    ])
    func invalidProvidersFilesAreExplained(_ file: String) {
        #expect {
            try GatewayConfiguration.load(
                from: ["GATEWAY_ENV": "dev", "GATEWAY_TOKEN_RUNTIME_MODE": "inmemory", "GATEWAY_PROVIDERS_FILE": "/p"],
                readFile: { _ in Data(file.utf8) })
        } throws: { ($0 as? ConfigurationErrors)?.errors.map(\.variable) == ["GATEWAY_PROVIDERS_FILE"] }
    }

    @Test func defaultOpenAIProviderFromTheEnvironment() throws {
        let configuration = try GatewayConfiguration.load(from: [
            "GATEWAY_ENV": "dev", "GATEWAY_TOKEN_RUNTIME_MODE": "inmemory", "OPENAI_API_KEY": "sk-x",
            "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_MODELS": "gpt-4, gpt-3.5-turbo",
        ])
        #expect(configuration.providers == [
            ProviderConfig(name: "openai", kind: .openai, baseURL: "http://127.0.0.1:9/v1", apiKey: "sk-x", models: ["gpt-4", "gpt-3.5-turbo"]),
        ])
    }

    @Test func devTokensMustBeWellFormed() {
        #expect {
            try GatewayConfiguration.load(from: [
                "GATEWAY_ENV": "dev", "GATEWAY_TOKEN_RUNTIME_MODE": "inmemory", "OPENAI_API_KEY": "k", "GATEWAY_DEV_TOKENS": "dev-token-1",
            ])
        } throws: { ($0 as? ConfigurationErrors)?.errors.map(\.variable) == ["GATEWAY_DEV_TOKENS"] }
    }
}
