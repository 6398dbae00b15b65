import ServiceSupport
import TokenProtocol

/// The rules that depend on `GATEWAY_ENV`: only `dev` may hold token authority in-process, run with
/// the default encryption key, or allow any CORS origin.
public enum EnvPolicy {
    public static let devEncryptionKey = Array("lijiaoqiao-dev-encryption-key-32".utf8)

    public enum Mode: String, Sendable, CaseIterable {
        case inmemory
        case remoteIntrospection = "remote_introspection"
    }

    static func modeRefused(environment: String) -> String {
        "GATEWAY_TOKEN_RUNTIME_MODE=inmemory is allowed only when GATEWAY_ENV=dev (GATEWAY_ENV is \"\(environment)\"); use remote_introspection with GATEWAY_TOKEN_RUNTIME_URL"
    }

    static func keyRequired(environment: String) -> String {
        "required when GATEWAY_ENV is \"\(environment)\" (exactly 32 bytes; only dev may use the default key)"
    }

    static func keyLength(_ count: Int) -> String {
        "must be exactly 32 bytes (got \(count))"
    }

    static func corsRequired(environment: String) -> String {
        "required when GATEWAY_ENV is \"\(environment)\": a comma-separated list of origins such as https://app.example.com"
    }

    static func corsWildcard(environment: String) -> String {
        "\"*\" is allowed only when GATEWAY_ENV=dev (GATEWAY_ENV is \"\(environment)\"); list the origins explicitly"
    }

    static let devKeyWarning = "dev only: PASSWORD_ENCRYPTION_KEY is unset, using the built-in development key"
    static let devCORSWarning = "dev only: GATEWAY_CORS_ALLOW_ORIGINS is unset or *, allowing every origin"

    /// Applies the rules; returns the encryption key and CORS origins to use, and warnings to log.
    static func apply(
        environment: String, mode: Mode, env: inout EnvironmentReader, warnings: inout [String]
    ) -> (key: [UInt8], cors: CORSPolicy) {
        let isDev = environment == "dev"
        if mode == .inmemory, !isDev {
            env.fail("GATEWAY_TOKEN_RUNTIME_MODE", modeRefused(environment: environment))
        }
        var key = devEncryptionKey
        if let text = env.raw("PASSWORD_ENCRYPTION_KEY") {
            key = Array(text.utf8)
            if key.count != 32 { env.fail("PASSWORD_ENCRYPTION_KEY", keyLength(key.count)) }
        } else if isDev {
            warnings.append(devKeyWarning)
        } else {
            env.fail("PASSWORD_ENCRYPTION_KEY", keyRequired(environment: environment))
        }
        let origins = env.list("GATEWAY_CORS_ALLOW_ORIGINS")
        var cors = CORSPolicy(allowedOrigins: origins)
        if origins.isEmpty || origins.contains("*") {
            if isDev {
                warnings.append(devCORSWarning)
                cors = CORSPolicy(allowedOrigins: ["*"])
            } else if origins.isEmpty {
                env.fail("GATEWAY_CORS_ALLOW_ORIGINS", corsRequired(environment: environment))
            } else {
                env.fail("GATEWAY_CORS_ALLOW_ORIGINS", corsWildcard(environment: environment))
            }
        }
        return (key, cors)
    }
}
