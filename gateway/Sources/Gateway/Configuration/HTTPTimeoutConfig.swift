import ServiceSupport
import AsyncHTTPClient
import NIOCore
import NIOSSL
import TokenProtocol

/// Outbound HTTP timeouts and pooling, read from `GATEWAY_HTTP_*` (the seed's HTTPTimeoutConfig).
///
/// Provider traffic runs on ``NIOUpstreamTransport`` (SwiftNIO channels, per-loop keep-alive pools):
/// - `dial`: TCP connect plus, for https, the TLS handshake; past it the call fails as a timeout
/// - `read`: the longest silence between two reads of a response (not a whole-request limit;
///   whole-request deadlines are set per call); not counted while the client holds a stream back
/// - `write`: the longest a request write may stall
/// - `keepAlive`: how long an idle pooled connection is kept before it is closed
/// - `maxIdleConnections`: connections kept idle for reuse per provider; never a bound on
///   concurrency (each event loop keeps its share, rounded up)
/// - `maxConnectionsPerHost` and `poolWait`: the explicit cap on open connections per provider
///   and how long a request may wait for one (``ConnectionSlots``)
///
/// Behind an egress proxy (``EgressProxy``) provider traffic goes through AsyncHTTPClient
/// (``ProxiedUpstreamTransport``), where the same values map onto `timeout.connect/read/write` and
/// `connectionPool.idleTimeout`; AsyncHTTPClient's own per-host limit
/// (`concurrentHTTP1ConnectionsPerHostSoftLimit`) is set out of reach there: a request queued in it
/// fails with a connect timeout once `dial` has passed, which is neither true nor what the operator
/// asked for. The introspection client, the revocation stream and webhooks use AsyncHTTPClient too.
public struct HTTPTimeoutConfig: Sendable, Equatable {
    public var dial: Duration
    public var keepAlive: Duration
    public var read: Duration
    public var write: Duration
    public var maxIdleConnections: Int
    /// 0: no cap.
    public var maxConnectionsPerHost: Int
    public var poolWait: Duration
    /// A PEM file of CA certificates trusted for `https` providers besides the system's
    /// (`GATEWAY_PROVIDER_CA_FILE`): an internal provider behind a private CA.
    public var providerCAFile: String?
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` for provider traffic (``EgressProxy``).
    public var egressProxy: EgressProxy?

    /// AsyncHTTPClient's per-host connection limit, set so high that it never makes a request wait.
    static let unboundedConnections = 1 << 20

    public init(
        dial: Duration = .seconds(2), keepAlive: Duration = .seconds(30), read: Duration = .seconds(5),
        write: Duration = .seconds(5), maxIdleConnections: Int = 100, maxConnectionsPerHost: Int = 0,
        poolWait: Duration = .seconds(30), providerCAFile: String? = nil, egressProxy: EgressProxy? = nil
    ) {
        self.dial = dial
        self.keepAlive = keepAlive
        self.read = read
        self.write = write
        self.maxIdleConnections = maxIdleConnections
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.poolWait = poolWait
        self.providerCAFile = providerCAFile
        self.egressProxy = egressProxy
    }

    /// Unset means the default; invalid or non-positive values are errors naming the variable.
    public static func load(from env: inout EnvironmentReader) -> HTTPTimeoutConfig {
        let defaults = HTTPTimeoutConfig()
        return HTTPTimeoutConfig(
            dial: env.duration("GATEWAY_HTTP_DIAL_TIMEOUT", default: defaults.dial),
            keepAlive: env.duration("GATEWAY_HTTP_KEEPALIVE", default: defaults.keepAlive),
            read: env.duration("GATEWAY_HTTP_READ_TIMEOUT", default: defaults.read),
            write: env.duration("GATEWAY_HTTP_WRITE_TIMEOUT", default: defaults.write),
            maxIdleConnections: env.int("GATEWAY_HTTP_MAX_IDLE_CONNS", default: defaults.maxIdleConnections, range: 1...100_000),
            maxConnectionsPerHost: env.int(
                "GATEWAY_HTTP_MAX_CONNS_PER_HOST", default: defaults.maxConnectionsPerHost, range: 0...1_000_000),
            poolWait: env.duration("GATEWAY_HTTP_POOL_WAIT", default: defaults.poolWait),
            providerCAFile: providerCAFile(from: &env),
            egressProxy: EgressProxy.load(from: &env)
        )
    }

    /// Each event loop's share of `maxIdleConnections`, rounded up.
    func idleConnectionsPerLoop(loops: Int) -> Int {
        max(1, (maxIdleConnections + loops - 1) / loops)
    }

    /// `GATEWAY_PROVIDER_CA_FILE`, checked to hold at least one PEM certificate.
    static func providerCAFile(from env: inout EnvironmentReader) -> String? {
        let variable = "GATEWAY_PROVIDER_CA_FILE"
        guard let path = env.raw(variable), !path.isEmpty else { return nil }
        do {
            guard !(try NIOSSLCertificate.fromPEMFile(path)).isEmpty else {
                env.fail(variable, "no certificate in \(path)")
                return nil
            }
        } catch {
            env.fail(variable, "cannot read PEM CA certificates from \(path): \(error)")
            return nil
        }
        return path
    }

    /// The AsyncHTTPClient configuration these settings describe.
    public var clientConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .init(dial), read: .init(read), write: .init(write))
        configuration.connectionPool = .init(
            idleTimeout: .init(keepAlive), concurrentHTTP1ConnectionsPerHostSoftLimit: Self.unboundedConnections)
        // A refused connection is an answer: fail at once so fallback moves on, instead of
        // retrying until the dial timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        configuration.redirectConfiguration = .disallow
        // No distributed tracing: without this every request builds span attributes for the
        // global no-op tracer (about 3% of the gateway's CPU per proxied request).
        configuration.tracing.tracer = nil
        return configuration
    }
}

/// The one factory of outbound HTTP clients (`buildTimeoutClient` in the seed). The caller owns the
/// client and shuts it down (the gateway does so at the end of its service group).
public func buildTimeoutClient(
    _ config: HTTPTimeoutConfig, eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup
) -> HTTPClient {
    HTTPClient(eventLoopGroup: eventLoopGroup, configuration: config.clientConfiguration)
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
