import AsyncHTTPClient
import NIOCore
import TokenProtocol

/// Outbound HTTP timeouts and pooling, read from `GATEWAY_HTTP_*` (the seed's HTTPTimeoutConfig).
///
/// How each maps onto AsyncHTTPClient (see ``buildTimeoutClient(_:eventLoopGroup:)``):
/// - `dial` -> `Configuration.timeout.connect` (TCP connect, and TLS handshake for https)
/// - `read` -> `Configuration.timeout.read`: the longest silence between two reads of a response,
///   not a whole-request limit; whole-request deadlines are set per call
/// - `write` -> `Configuration.timeout.write`: the longest a request write may stall
/// - `keepAlive` -> `Configuration.connectionPool.idleTimeout`: how long an idle pooled connection is kept
/// - `maxIdleConnections` -> `Configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit`:
///   connections kept per host (AsyncHTTPClient bounds pooled connections per host, not idle ones);
///   per event loop for provider traffic (``LoopLocalHTTPClients``)
public struct HTTPTimeoutConfig: Sendable, Equatable {
    public var dial: Duration
    public var keepAlive: Duration
    public var read: Duration
    public var write: Duration
    public var maxIdleConnections: Int

    public init(
        dial: Duration = .seconds(2), keepAlive: Duration = .seconds(30), read: Duration = .seconds(5),
        write: Duration = .seconds(5), maxIdleConnections: Int = 100
    ) {
        self.dial = dial
        self.keepAlive = keepAlive
        self.read = read
        self.write = write
        self.maxIdleConnections = maxIdleConnections
    }

    /// Unset means the default; invalid or non-positive values are errors naming the variable.
    public static func load(from env: inout EnvironmentReader) -> HTTPTimeoutConfig {
        let defaults = HTTPTimeoutConfig()
        return HTTPTimeoutConfig(
            dial: env.duration("GATEWAY_HTTP_DIAL_TIMEOUT", default: defaults.dial),
            keepAlive: env.duration("GATEWAY_HTTP_KEEPALIVE", default: defaults.keepAlive),
            read: env.duration("GATEWAY_HTTP_READ_TIMEOUT", default: defaults.read),
            write: env.duration("GATEWAY_HTTP_WRITE_TIMEOUT", default: defaults.write),
            maxIdleConnections: env.int("GATEWAY_HTTP_MAX_IDLE_CONNS", default: defaults.maxIdleConnections, range: 1...100_000)
        )
    }

    /// The AsyncHTTPClient configuration these settings describe.
    public var clientConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .init(dial), read: .init(read), write: .init(write))
        configuration.connectionPool = .init(
            idleTimeout: .init(keepAlive), concurrentHTTP1ConnectionsPerHostSoftLimit: maxIdleConnections)
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
