import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL

extension HTTPServerBuilder {
    /// HTTP/1.1, over TLS when `tls` is set, with the ``InboundLimits``: the connection cap (a
    /// ``ConnectionRegistry`` made here, one per server) and the header, body and idle deadlines
    /// (a ``ConnectionDeadlineHandler`` per connection). Hummingbird's own idle timeout stays off:
    /// the deadline handler covers it and counts what it closes.
    public static func hardened(
        limits: InboundLimits, tls: TLSConfiguration?, metrics: ServerConnectionMetrics, logger: Logger
    ) -> HTTPServerBuilder {
        let registry = ConnectionRegistry(maxConnections: limits.maxConnections, metrics: metrics, logger: logger)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionDeadlineHandler(limits: limits, metrics: metrics, logger: logger)])
        return HTTPServerBuilder { responder in
            let plain = HTTP1Channel(responder: responder, configuration: http1)
            if let tls {
                return GuardedServerChannel(try TLSChannel(plain, tlsConfiguration: tls), registry: registry)
            }
            return GuardedServerChannel(plain, registry: registry)
        }
    }
}
