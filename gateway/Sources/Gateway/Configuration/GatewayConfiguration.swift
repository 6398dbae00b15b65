import Foundation
import Logging
import NIOSSL
import TokenProtocol
import ServiceSupport

/// The gateway's whole configuration, read once from a snapshot of the environment and validated
/// in one place. Every problem is reported at once, each naming its variable.
public struct GatewayConfiguration: Sendable {
    public var environment: String
    public var host: String
    public var port: Int
    public var mode: EnvPolicy.Mode
    public var tokenRuntimeURL: String
    public var tokenRuntimeSecret: String
    /// Whole-request deadline of one introspection call.
    public var tokenRuntimeTimeout: Duration
    public var tokenCache: TokenCacheConfig
    public var http: HTTPTimeoutConfig
    /// dev (`inmemory`) only: tokens registered at startup.
    public var devTokens: [String]
    public var providers: [ProviderConfig]
    /// Model prices: the built-in table, or `GATEWAY_MODEL_PRICES_FILE`. A provider's own `prices`
    /// win over it for that provider's models.
    public var modelPrices = PriceTable.builtIn
    /// `GATEWAY_USAGE_ACCOUNTING`: price requests, ask streams for their usage, report to the
    /// ledger. Off: none of it (audit records still carry the usage an answer reports).
    public var usageAccounting = true
    /// `GATEWAY_USAGE_QUEUE_SIZE`: usage records waiting for the ledger.
    public var usageQueueCapacity = 100_000
    public var routing: RoutingStrategyKind
    /// Which provider answers move a request to the next provider, and how many it tries.
    public var fallback: FallbackPolicy
    public var encryptionKey: [UInt8]
    public var cors: CORSPolicy
    public var rateLimitRPM: Int
    public var rateLimitTPM: Int
    public var maxBodyBytes: Int
    public var shutdownGrace: Duration
    public var databaseURL: String?
    public var auditQueueCapacity: Int
    public var revocationStream: Bool
    /// OpenTelemetry traces (GATEWAY_TRACING=on; the `OTEL_*` variables configure them).
    public var tracing = false
    /// Failed authentications per minute per client address (0: no budget).
    public var authFailureLimit: Int
    /// Proxies whose forwarding headers name the client.
    public var trustedProxies: TrustedProxies
    /// Introspections of uncached tokens per second, across all clients (0: no ceiling).
    public var tokenRuntimeMaxMissRate: Int
    public var logLevel: Logger.Level
    /// Slow and idle clients, and the connection cap (`GATEWAY_SERVER_*`).
    public var inbound = InboundLimits()
    /// HTTPS with `GATEWAY_TLS_CERT_FILE` and `GATEWAY_TLS_KEY_FILE`; nil serves plain HTTP.
    public var tls: TLSConfiguration?
    /// How an `https://` runtime URL is verified: the system trust store, or the CAs of
    /// `GATEWAY_TOKEN_RUNTIME_CA_FILE`. Nil for an `http://` URL.
    public var tokenRuntimeTLS: TLSConfiguration?
    /// Things to log once at startup (dev defaults, fallbacks).
    public var warnings: [String]

    public var isDev: Bool { environment == "dev" }

    /// Reads the configuration; `readFile` loads GATEWAY_PROVIDERS_FILE and GATEWAY_MODEL_PRICES_FILE
    /// (injected by tests).
    public static func load(
        from environment: [String: String],
        readFile: (String) throws -> Data = { try Data(contentsOf: URL(fileURLWithPath: $0)) }
    ) throws(ConfigurationErrors) -> GatewayConfiguration {
        var env = EnvironmentReader(environment)
        var warnings: [String] = []
        let name = env.string("GATEWAY_ENV", default: "production").lowercased()

        let modeName = env.choice(
            "GATEWAY_TOKEN_RUNTIME_MODE", default: "remote_introspection", allowed: EnvPolicy.Mode.allCases.map(\.rawValue))
        let mode = EnvPolicy.Mode(rawValue: modeName) ?? .remoteIntrospection
        // An unknown mode is reported once, without the errors that would follow from a guess.
        let modeKnown = env.raw("GATEWAY_TOKEN_RUNTIME_MODE").map { EnvPolicy.Mode(rawValue: $0.lowercased()) != nil } ?? true
        let (key, cors) = EnvPolicy.apply(environment: name, mode: mode, env: &env, warnings: &warnings)

        let runtimeURL = env.string("GATEWAY_TOKEN_RUNTIME_URL", default: "http://127.0.0.1:18081")
        var secret = ""
        if mode == .remoteIntrospection, modeKnown {
            if !(runtimeURL.hasPrefix("http://") || runtimeURL.hasPrefix("https://")) {
                env.fail("GATEWAY_TOKEN_RUNTIME_URL", "must be an http:// or https:// URL (got \"\(runtimeURL)\")")
            }
            if let value = env.raw("GATEWAY_TOKEN_RUNTIME_SECRET") {
                secret = value
            } else {
                env.fail(
                    "GATEWAY_TOKEN_RUNTIME_SECRET",
                    "required with GATEWAY_TOKEN_RUNTIME_MODE=remote_introspection: the runtime's TOKEN_RUNTIME_INTROSPECTION_SECRET")
            }
        }

        var devTokens: [String] = []
        if mode == .inmemory {
            devTokens = env.list("GATEWAY_DEV_TOKENS")
            for token in devTokens where !TokenFormat.isWellFormed(token) {
                env.fail("GATEWAY_DEV_TOKENS", "\"\(token.prefix(8))...\" is not a well-formed ljq_ token; make one with: gateway dev-token")
            }
        }

        let routingName = env.string("GATEWAY_ROUTING_STRATEGY", default: "latency").lowercased()
        let routing = RoutingStrategyKind(rawValue: routingName) ?? .latency
        if RoutingStrategyKind(rawValue: routingName) == nil {
            warnings.append("GATEWAY_ROUTING_STRATEGY \"\(routingName)\" is unknown; using latency")
        }

        let providers = loadProviders(env: &env, key: key, readFile: readFile)
        if let databaseURL = env.raw("GATEWAY_DATABASE_URL") {
            do {
                _ = try PostgresURL(databaseURL)
            } catch {
                env.fail("GATEWAY_DATABASE_URL", "\(error.message) (postgres://user:password@host:5432/database)")
            }
        }

        if mode == .remoteIntrospection, modeKnown, name != "dev", runtimeURL.hasPrefix("http://"), !isLoopback(runtimeURL) {
            warnings.append(
                "GATEWAY_TOKEN_RUNTIME_URL is plain http:// to another host: tokens and the introspection secret travel in clear; use https:// (TOKEN_RUNTIME_TLS_CERT_FILE on the runtime)"
            )
        }
        var runtimeTLS: TLSConfiguration?
        if runtimeURL.hasPrefix("https://") {
            runtimeTLS = ServerTLS.clientConfiguration(
                caFile: env.raw("GATEWAY_TOKEN_RUNTIME_CA_FILE"), variable: "GATEWAY_TOKEN_RUNTIME_CA_FILE", env: &env)
        } else if env.raw("GATEWAY_TOKEN_RUNTIME_CA_FILE") != nil {
            warnings.append("GATEWAY_TOKEN_RUNTIME_CA_FILE is set but GATEWAY_TOKEN_RUNTIME_URL is not https://; it is not used")
        }
        let inbound = InboundLimits.load(.gateway, from: &env)
        let serverTLS = ServerTLS.load(certVariable: "GATEWAY_TLS_CERT_FILE", keyVariable: "GATEWAY_TLS_KEY_FILE", from: &env)

        let trustedProxies = TrustedProxies.load("GATEWAY_TRUSTED_PROXIES", from: &env)

        var configuration = GatewayConfiguration(
            environment: name,
            host: env.string("GATEWAY_HOST", default: "0.0.0.0"),
            port: env.port("GATEWAY_PORT", default: 8080),
            mode: mode,
            tokenRuntimeURL: runtimeURL,
            tokenRuntimeSecret: secret,
            tokenRuntimeTimeout: env.duration("GATEWAY_TOKEN_RUNTIME_TIMEOUT", default: .seconds(2)),
            tokenCache: TokenCacheConfig.load(from: &env),
            http: HTTPTimeoutConfig.load(from: &env),
            devTokens: devTokens,
            providers: providers,
            routing: routing,
            fallback: FallbackPolicy.load(from: &env),
            encryptionKey: key,
            cors: cors,
            rateLimitRPM: env.int("GATEWAY_RATE_LIMIT_RPM", default: 0, range: 0...100_000_000),
            rateLimitTPM: env.int("GATEWAY_RATE_LIMIT_TPM", default: 0, range: 0...1_000_000_000),
            maxBodyBytes: env.int("GATEWAY_MAX_BODY_BYTES", default: 10 << 20, range: 1_024...1 << 30),
            shutdownGrace: env.duration("GATEWAY_SHUTDOWN_GRACE", default: .seconds(10)),
            databaseURL: env.raw("GATEWAY_DATABASE_URL"),
            auditQueueCapacity: env.int("GATEWAY_AUDIT_QUEUE_SIZE", default: 100_000, range: 1...100_000_000),
            revocationStream: env.choice(
                "GATEWAY_REVOCATION_STREAM", default: mode == .remoteIntrospection ? "on" : "off", allowed: ["on", "off"]) == "on",
            authFailureLimit: env.int("GATEWAY_AUTH_FAILURE_LIMIT", default: 120, range: 0...1_000_000),
            trustedProxies: trustedProxies,
            tokenRuntimeMaxMissRate: env.int("GATEWAY_TOKEN_RUNTIME_MAX_MISS_RATE", default: 1_000, range: 0...10_000_000),
            logLevel: Logger.Level(
                rawValue: env.choice(
                    "GATEWAY_LOG_LEVEL", default: "info",
                    allowed: ["trace", "debug", "info", "notice", "warning", "error", "critical"])) ?? .info,
            warnings: warnings
        )
        configuration.inbound = inbound
        if let prices = loadPrices(env: &env, readFile: readFile) { configuration.modelPrices = prices }
        configuration.usageAccounting = env.choice("GATEWAY_USAGE_ACCOUNTING", default: "on", allowed: ["on", "off"]) == "on"
        configuration.usageQueueCapacity = env.int("GATEWAY_USAGE_QUEUE_SIZE", default: 100_000, range: 1...100_000_000)
        configuration.tls = serverTLS
        configuration.tokenRuntimeTLS = runtimeTLS
        configuration.tracing = env.choice("GATEWAY_TRACING", default: "off", allowed: ["on", "off"]) == "on"
        if configuration.tracing { TracingSetup.validate(&env) }
        try env.validate()
        return configuration
    }

    /// The URL's host is 127.0.0.0/8, ::1 or localhost.
    static func isLoopback(_ url: String) -> Bool {
        guard let host = URLComponents(string: url)?.host?.lowercased() else { return false }
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// `GATEWAY_MODEL_PRICES_FILE`: a price table replacing the built-in one.
    static func loadPrices(env: inout EnvironmentReader, readFile: (String) throws -> Data) -> PriceTable? {
        guard let path = env.raw("GATEWAY_MODEL_PRICES_FILE") else { return nil }
        do {
            return try PriceTable.parse(try readFile(path))
        } catch let invalid as PriceTable.Invalid {
            env.fail("GATEWAY_MODEL_PRICES_FILE", "\(path): \(invalid.description)")
        } catch {
            env.fail("GATEWAY_MODEL_PRICES_FILE", "cannot read \(path): \(error.localizedDescription)")
        }
        return nil
    }

    static func loadProviders(
        env: inout EnvironmentReader, key: [UInt8], readFile: (String) throws -> Data
    ) -> [ProviderConfig] {
        if let path = env.raw("GATEWAY_PROVIDERS_FILE") {
            do {
                return ProvidersFile.load(data: try readFile(path), env: &env, encryptionKey: key)
            } catch {
                env.fail("GATEWAY_PROVIDERS_FILE", "cannot read \(path): \(error.localizedDescription)")
                return []
            }
        }
        if let apiKey = env.raw("OPENAI_API_KEY") {
            var models = env.list("OPENAI_MODELS")
            if models.isEmpty { models = ["gpt-4o-mini", "gpt-4o"] }
            var secret = apiKey
            if SecretBox.isEncrypted(apiKey) {
                do {
                    secret = try SecretBox.decrypt(apiKey, key: key)
                } catch {
                    env.fail("PASSWORD_ENCRYPTION_KEY", "does not decrypt OPENAI_API_KEY")
                }
            }
            let baseURL = env.string("OPENAI_BASE_URL", default: "https://api.openai.com")
            if !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
                env.fail("OPENAI_BASE_URL", "must start with http:// or https://")
            }
            return [ProviderConfig(name: "openai", kind: .openai, baseURL: baseURL, apiKey: secret, models: models)]
        }
        env.fail(
            "GATEWAY_PROVIDERS_FILE",
            "no provider configured: set GATEWAY_PROVIDERS_FILE (see config/providers.example.json) or OPENAI_API_KEY (with OPENAI_BASE_URL and OPENAI_MODELS)")
        return []
    }
}
