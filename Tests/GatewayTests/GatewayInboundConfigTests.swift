import Foundation
import Testing
import ServiceSupport
import TokenProtocol
import TokenRuntime
@testable import Gateway

/// `GATEWAY_SERVER_*`, `GATEWAY_TLS_*` and how the runtime URL is secured.
@Suite struct GatewayInboundConfigTests {
    static let production = [
        "GATEWAY_ENV": "production", "GATEWAY_TOKEN_RUNTIME_SECRET": "introspection-0123456789abcdef",
        "PASSWORD_ENCRYPTION_KEY": "0123456789abcdef0123456789abcdef", "GATEWAY_CORS_ALLOW_ORIGINS": "https://app.example.com",
        "OPENAI_API_KEY": "k",
    ]
    static let warning = "tokens and the introspection secret travel in clear"

    @Test func limitsAreReadWithTheirDefaults() throws {
        let defaults = try GatewayConfiguration.load(from: Self.production)
        #expect(defaults.inbound == InboundLimits())
        #expect(defaults.tls == nil && defaults.tokenRuntimeTLS == nil)
        var env = Self.production
        env["GATEWAY_SERVER_HEADER_TIMEOUT"] = "2s"
        env["GATEWAY_SERVER_MAX_CONNECTIONS"] = "50"
        let set = try GatewayConfiguration.load(from: env)
        #expect(set.inbound.headerTimeout == .seconds(2) && set.inbound.maxConnections == 50 && set.inbound.idleTimeout == .seconds(75))
    }

    @Test func plainHTTPToAnotherHostWarnsOutsideDevOnly() throws {
        var remote = Self.production
        remote["GATEWAY_TOKEN_RUNTIME_URL"] = "http://runtime.internal:18081"
        #expect(try GatewayConfiguration.load(from: remote).warnings.contains { $0.contains(Self.warning) })
        var loopback = Self.production
        loopback["GATEWAY_TOKEN_RUNTIME_URL"] = "http://127.0.0.1:18081"
        #expect(try !GatewayConfiguration.load(from: loopback).warnings.contains { $0.contains(Self.warning) })
        var secure = Self.production
        secure["GATEWAY_TOKEN_RUNTIME_URL"] = "https://runtime.internal:18081"
        let https = try GatewayConfiguration.load(from: secure)
        #expect(!https.warnings.contains { $0.contains(Self.warning) })
        #expect(https.tokenRuntimeTLS != nil)
        var unusedCA = loopback
        unusedCA["GATEWAY_TOKEN_RUNTIME_CA_FILE"] = "/etc/ssl/private-ca.pem"
        let plain = try GatewayConfiguration.load(from: unusedCA)
        #expect(plain.tokenRuntimeTLS == nil)
        #expect(plain.warnings.contains { $0.hasPrefix("GATEWAY_TOKEN_RUNTIME_CA_FILE is set") })
        var dev = remote
        dev["GATEWAY_ENV"] = "dev"
        #expect(try !GatewayConfiguration.load(from: dev).warnings.contains { $0.contains(Self.warning) })
    }

    @Test func unreadableFilesFailStartupNamingTheVariable() {
        var ca = Self.production
        ca["GATEWAY_TOKEN_RUNTIME_URL"] = "https://runtime.internal:18081"
        ca["GATEWAY_TOKEN_RUNTIME_CA_FILE"] = "/nonexistent/ca.pem"
        #expect { try GatewayConfiguration.load(from: ca) } throws: {
            ($0 as? ConfigurationErrors)?.errors.map(\.variable) == ["GATEWAY_TOKEN_RUNTIME_CA_FILE"]
        }
        var cert = Self.production
        cert["GATEWAY_TLS_CERT_FILE"] = "/nonexistent/cert.pem"
        cert["GATEWAY_TLS_KEY_FILE"] = "/nonexistent/key.pem"
        #expect { try GatewayConfiguration.load(from: cert) } throws: {
            ($0 as? ConfigurationErrors)?.errors.map(\.variable) == ["GATEWAY_TLS_CERT_FILE"]
        }
        var notPEM = Self.production
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-cert-\(UUID().uuidString).pem")
        try? Data("not a certificate".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        notPEM["GATEWAY_TLS_CERT_FILE"] = file.path
        notPEM["GATEWAY_TLS_KEY_FILE"] = file.path
        #expect { try GatewayConfiguration.load(from: notPEM) } throws: {
            ($0 as? ConfigurationErrors)?.errors.map(\.variable) == ["GATEWAY_TLS_CERT_FILE"]
        }
    }
}
