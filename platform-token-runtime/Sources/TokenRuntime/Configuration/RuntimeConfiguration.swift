import Foundation
import Logging
import NIOSSL
import ServiceSupport
import TokenProtocol

/// platform-token-runtime's whole configuration, read and validated once from the environment.
public struct RuntimeConfiguration: Sendable {
    public enum StoreKind: String, Sendable { case memory, postgres }

    public var environment: String
    public var host: String
    public var port: Int
    public var adminKey: String
    public var introspectionSecret: String
    /// Names of the secrets that were generated because this is `dev` and they were unset.
    public var generatedSecrets: [String]
    public var defaultTTL: Int64
    public var maxTTL: Int64
    public var maxBodyBytes: Int
    public var issuer: String
    public var store: StoreKind
    public var databaseURL: String?
    /// Postgres store: how long a memory entry for an active token is trusted before a re-read.
    public var storeMaxStaleness: Duration = .seconds(1)
    /// Postgres store: memory entries kept at most.
    public var storeCacheEntries: Int = 100_000
    /// Postgres store: deadline of each database call and of each connection attempt.
    public var databaseTimeout: Duration = .seconds(2)
    public var logLevel: Logger.Level
    /// Revocation events kept for subscribers that resume with Last-Event-ID.
    public var eventHistory: Int = 10_000
    /// Interval of the heartbeat comments on `GET /v1/events`.
    public var eventHeartbeat: Duration = .seconds(5)
    /// How long a gateway's quota lease (money granted by `POST /v1/quota/lease`) lives after its
    /// holder's last call; a lapsed lease returns to the budget.
    public var quotaLeaseTTL: Duration = .seconds(30)
    /// Slow and idle clients, and the connection cap (`TOKEN_RUNTIME_SERVER_*`).
    public var inbound = InboundLimits()
    /// HTTPS with `TOKEN_RUNTIME_TLS_CERT_FILE` and `TOKEN_RUNTIME_TLS_KEY_FILE`; nil serves plain HTTP.
    public var tls: TLSConfiguration?
    /// Wrong admin keys or introspection secrets per minute per client address (0: no budget).
    public var authFailureLimit: Int = 120
    /// Proxies whose forwarding headers name the client.
    public var trustedProxies = TrustedProxies()
    /// Where each budget alert announced on this replica is POSTed as JSON (nil: nowhere).
    public var alertWebhookURL: String?
    /// OpenTelemetry traces (TOKEN_RUNTIME_TRACING=on; the `OTEL_*` variables configure them).
    public var tracing = false
    /// `TOKEN_RUNTIME_ADMIN_CONSOLE`: serve the admin console at `/admin/` (`on`, the default) or not (`off`).
    public var adminConsole: Bool = true
    /// `TOKEN_RUNTIME_ADMIN_SESSION_IDLE`: a console session unused this long is signed out.
    public var adminSessionIdle: Duration = .seconds(1800)
    /// `TOKEN_RUNTIME_ADMIN_SIGNIN_LIMIT`: failed console sign-ins per minute per client address.
    public var adminSignInLimit: Int = 5

    public var isDev: Bool { environment == "dev" }

    public static let minimumSecretLength = 16

    /// Reads every `TOKEN_RUNTIME_*` variable; throws all problems together.
    public static func load(from environment: [String: String]) throws(ConfigurationErrors) -> RuntimeConfiguration {
        var env = EnvironmentReader(environment)
        let name = env.string("TOKEN_RUNTIME_ENV", default: "production").lowercased()
        let isDev = name == "dev"
        var generated: [String] = []

        func secret(_ variable: String) -> String {
            if let value = env.raw(variable) {
                if value.utf8.count < minimumSecretLength {
                    env.fail(variable, "too short; use at least \(minimumSecretLength) characters (e.g. openssl rand -hex 32)")
                }
                return value
            }
            if isDev {
                generated.append(variable)
                return "dev_" + TokenFormat.generate().dropFirst(TokenFormat.prefix.count)
            }
            env.fail(variable, "required when TOKEN_RUNTIME_ENV is \"\(name)\" (only dev may run with generated secrets)")
            return ""
        }
        let adminKey = secret("TOKEN_RUNTIME_ADMIN_KEY")
        let introspectionSecret = secret("TOKEN_RUNTIME_INTROSPECTION_SECRET")
        if !adminKey.isEmpty, adminKey == introspectionSecret {
            env.fail("TOKEN_RUNTIME_INTROSPECTION_SECRET", "must differ from TOKEN_RUNTIME_ADMIN_KEY")
        }

        let defaultTTL = env.duration("TOKEN_RUNTIME_DEFAULT_TTL", default: .seconds(86_400))
        let maxTTL = env.duration("TOKEN_RUNTIME_MAX_TTL", default: .seconds(31_536_000))
        if defaultTTL > maxTTL {
            env.fail("TOKEN_RUNTIME_DEFAULT_TTL", "must not exceed TOKEN_RUNTIME_MAX_TTL")
        }
        let store = env.choice("TOKEN_RUNTIME_STORE", default: isDev ? "memory" : "postgres", allowed: ["memory", "postgres"])
        let databaseURL = env.raw("TOKEN_RUNTIME_DATABASE_URL")
        if store == "memory", !isDev {
            env.fail("TOKEN_RUNTIME_STORE", "memory is allowed only when TOKEN_RUNTIME_ENV=dev; use postgres with TOKEN_RUNTIME_DATABASE_URL")
        }
        if store == "postgres", databaseURL == nil {
            env.fail("TOKEN_RUNTIME_DATABASE_URL", "required with TOKEN_RUNTIME_STORE=postgres (postgres://user:password@host:5432/database)")
        }
        if store == "postgres", let databaseURL {
            do {
                _ = try PostgresURL(databaseURL)
            } catch {
                env.fail("TOKEN_RUNTIME_DATABASE_URL", error.message)
            }
        }
        let maxStaleness = env.duration("TOKEN_RUNTIME_STORE_MAX_STALENESS", default: .seconds(1))
        if maxStaleness > .seconds(10) {
            env.fail("TOKEN_RUNTIME_STORE_MAX_STALENESS", "at most 10s: it also bounds how long a revocation may wait for other replicas")
        }
        let cacheEntries = env.int("TOKEN_RUNTIME_STORE_CACHE_ENTRIES", default: 100_000, range: 2...10_000_000)
        let databaseTimeout = env.duration("TOKEN_RUNTIME_DATABASE_TIMEOUT", default: .seconds(2))
        let level = env.choice(
            "TOKEN_RUNTIME_LOG_LEVEL", default: "info",
            allowed: ["trace", "debug", "info", "notice", "warning", "error", "critical"])

        var configuration = RuntimeConfiguration(
            environment: name,
            host: env.string("TOKEN_RUNTIME_HOST", default: "127.0.0.1"),
            port: env.port("TOKEN_RUNTIME_PORT", default: 18081),
            adminKey: adminKey,
            introspectionSecret: introspectionSecret,
            generatedSecrets: generated,
            defaultTTL: Int64(defaultTTL.inSeconds.rounded()),
            maxTTL: Int64(maxTTL.inSeconds.rounded()),
            maxBodyBytes: env.int("TOKEN_RUNTIME_MAX_BODY_BYTES", default: 65_536, range: 1_024...16_777_216),
            issuer: env.string("TOKEN_RUNTIME_ISSUER", default: "platform-token-runtime"),
            store: StoreKind(rawValue: store) ?? .memory,
            databaseURL: databaseURL,
            logLevel: Logger.Level(rawValue: level) ?? .info
        )
        configuration.storeMaxStaleness = maxStaleness
        configuration.storeCacheEntries = cacheEntries
        configuration.databaseTimeout = databaseTimeout
        configuration.eventHistory = env.int("TOKEN_RUNTIME_EVENT_HISTORY", default: 10_000, range: 1...10_000_000)
        configuration.eventHeartbeat = env.duration("TOKEN_RUNTIME_EVENT_HEARTBEAT", default: .seconds(5))
        configuration.quotaLeaseTTL = env.duration("TOKEN_RUNTIME_QUOTA_LEASE_TTL", default: .seconds(30))
        configuration.inbound = InboundLimits.load(.tokenRuntime, from: &env)
        configuration.tls = ServerTLS.load(certVariable: "TOKEN_RUNTIME_TLS_CERT_FILE", keyVariable: "TOKEN_RUNTIME_TLS_KEY_FILE", from: &env)
        configuration.authFailureLimit = env.int("TOKEN_RUNTIME_AUTH_FAILURE_LIMIT", default: 120, range: 0...1_000_000)
        configuration.trustedProxies = TrustedProxies.load("TOKEN_RUNTIME_TRUSTED_PROXIES", from: &env)
        if let webhook = env.raw("TOKEN_RUNTIME_ALERT_WEBHOOK_URL") {
            let lowered = webhook.lowercased()
            if (lowered.hasPrefix("http://") || lowered.hasPrefix("https://")), let url = URL(string: webhook), url.host != nil {
                configuration.alertWebhookURL = webhook
            } else {
                env.fail("TOKEN_RUNTIME_ALERT_WEBHOOK_URL", "must be an http:// or https:// URL with a host")
            }
        }
        configuration.tracing = env.choice("TOKEN_RUNTIME_TRACING", default: "off", allowed: ["on", "off"]) == "on"
        if configuration.tracing { TracingSetup.validate(&env) }
        configuration.adminConsole = env.choice("TOKEN_RUNTIME_ADMIN_CONSOLE", default: "on", allowed: ["on", "off"]) == "on"
        configuration.adminSessionIdle = env.duration("TOKEN_RUNTIME_ADMIN_SESSION_IDLE", default: .seconds(1800))
        if configuration.adminSessionIdle < .seconds(60) || configuration.adminSessionIdle > .seconds(86_400) {
            env.fail("TOKEN_RUNTIME_ADMIN_SESSION_IDLE", "must be from 1m to 24h")
        }
        configuration.adminSignInLimit = env.int("TOKEN_RUNTIME_ADMIN_SIGNIN_LIMIT", default: 5, range: 1...1_000)
        try env.validate()
        return configuration
    }

    /// A dev configuration for tests and local tools: fixed secrets, memory store.
    public static func testing(port: Int = 0) -> RuntimeConfiguration {
        RuntimeConfiguration(
            environment: "dev", host: "127.0.0.1", port: port,
            adminKey: "test-admin-key-0123456789", introspectionSecret: "test-introspection-secret-0123",
            generatedSecrets: [], defaultTTL: 86_400, maxTTL: 31_536_000, maxBodyBytes: 65_536,
            issuer: "platform-token-runtime", store: .memory, databaseURL: nil, logLevel: .info)
    }
}
