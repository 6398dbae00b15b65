import Testing
import ServiceSupport
import TokenProtocol
@testable import Gateway

@Suite struct HTTPTimeoutConfigTests {
    static let variables = [
        "GATEWAY_HTTP_DIAL_TIMEOUT", "GATEWAY_HTTP_KEEPALIVE", "GATEWAY_HTTP_READ_TIMEOUT", "GATEWAY_HTTP_WRITE_TIMEOUT",
        "GATEWAY_HTTP_POOL_WAIT",
    ]

    @Test func defaults() {
        var env = EnvironmentReader([:])
        #expect(
            HTTPTimeoutConfig.load(from: &env)
                == HTTPTimeoutConfig(
                    dial: .seconds(2), keepAlive: .seconds(30), read: .seconds(5), write: .seconds(5), maxIdleConnections: 100,
                    maxConnectionsPerHost: 0, poolWait: .seconds(30)))
        #expect(env.errors.isEmpty)
    }

    @Test func validValues() {
        var env = EnvironmentReader([
            "GATEWAY_HTTP_DIAL_TIMEOUT": "250ms", "GATEWAY_HTTP_KEEPALIVE": "1m", "GATEWAY_HTTP_READ_TIMEOUT": "10s",
            "GATEWAY_HTTP_WRITE_TIMEOUT": "3s", "GATEWAY_HTTP_MAX_IDLE_CONNS": "16", "GATEWAY_HTTP_MAX_CONNS_PER_HOST": "40",
            "GATEWAY_HTTP_POOL_WAIT": "200ms",
        ])
        let config = HTTPTimeoutConfig.load(from: &env)
        #expect(env.errors.isEmpty)
        #expect(
            config
                == HTTPTimeoutConfig(
                    dial: .milliseconds(250), keepAlive: .seconds(60), read: .seconds(10), write: .seconds(3), maxIdleConnections: 16,
                    maxConnectionsPerHost: 40, poolWait: .milliseconds(200)))
        let client = config.clientConfiguration
        #expect(client.timeout.connect == .milliseconds(250))
        #expect(client.timeout.read == .seconds(10))
        #expect(client.timeout.write == .seconds(3))
        #expect(client.connectionPool.idleTimeout == .seconds(60))
        // AsyncHTTPClient's own per-host limit never makes a request wait (its queue fails requests
        // with a connect timeout); idle and per-host limits are LoopLocalHTTPClients' business.
        #expect(client.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit == HTTPTimeoutConfig.unboundedConnections)
    }

    @Test(arguments: variables.flatMap { name in ["0s", "-1s", "5", "soon"].map { (name, $0) } })
    func invalidDurationsNameTheVariable(_ name: String, _ value: String) {
        var env = EnvironmentReader([name: value])
        _ = HTTPTimeoutConfig.load(from: &env)
        #expect(env.errors.map(\.variable) == [name])
    }

    @Test(arguments: ["0", "-3", "many"])
    func invalidMaxIdle(_ value: String) {
        var env = EnvironmentReader(["GATEWAY_HTTP_MAX_IDLE_CONNS": value])
        _ = HTTPTimeoutConfig.load(from: &env)
        #expect(env.errors.map(\.variable) == ["GATEWAY_HTTP_MAX_IDLE_CONNS"])
    }
}

@Suite struct TokenCacheConfigTests {
    @Test func defaults() {
        var env = EnvironmentReader([:])
        let config = TokenCacheConfig.load(from: &env)
        #expect(env.errors.isEmpty)
        #expect(config.activeTTL == .seconds(30))
        #expect(config.expiredTTL == .seconds(120))
        #expect(config.revokedTTL == .seconds(600))
        #expect(config.unknownTTL == .seconds(120))
        #expect(config.maxEntries == 10_000)
    }

    @Test func validValues() {
        var env = EnvironmentReader([
            "GATEWAY_TOKEN_CACHE_ACTIVE_TTL": "1s", "GATEWAY_TOKEN_CACHE_EXPIRED_TTL": "5m",
            "GATEWAY_TOKEN_CACHE_REVOKED_TTL": "1h", "GATEWAY_TOKEN_CACHE_UNKNOWN_TTL": "10s",
            "GATEWAY_TOKEN_CACHE_MAX_ENTRIES": "500", "GATEWAY_TOKEN_CACHE_MAX_INACTIVE_ENTRIES": "50",
            "GATEWAY_TOKEN_RUNTIME_MAX_INFLIGHT": "8", "GATEWAY_TOKEN_CACHE_SWEEP_INTERVAL": "5s",
        ])
        let config = TokenCacheConfig.load(from: &env)
        #expect(env.errors.isEmpty)
        #expect(config == TokenCacheConfig(activeTTL: .seconds(1), expiredTTL: .seconds(300), revokedTTL: .seconds(3600), unknownTTL: .seconds(10), maxEntries: 500, maxInactiveEntries: 50, maxInflight: 8, sweepInterval: .seconds(5)))
    }

    @Test(arguments: [
        ("GATEWAY_TOKEN_CACHE_ACTIVE_TTL", "0s"), ("GATEWAY_TOKEN_CACHE_EXPIRED_TTL", "x"),
        ("GATEWAY_TOKEN_CACHE_REVOKED_TTL", "10"), ("GATEWAY_TOKEN_CACHE_UNKNOWN_TTL", "-2m"),
        ("GATEWAY_TOKEN_CACHE_MAX_ENTRIES", "0"), ("GATEWAY_TOKEN_CACHE_MAX_INACTIVE_ENTRIES", "lots"),
        ("GATEWAY_TOKEN_RUNTIME_MAX_INFLIGHT", "0"), ("GATEWAY_TOKEN_CACHE_SWEEP_INTERVAL", "never"),
    ])
    func invalidValuesNameTheVariable(_ name: String, _ value: String) {
        var env = EnvironmentReader([name: value])
        _ = TokenCacheConfig.load(from: &env)
        #expect(env.errors.map(\.variable) == [name])
    }
}
