import ServiceSupport
import Hummingbird
import NIOCore

/// Per-request context: Hummingbird's core storage and the caller's peer address, from which the
/// client address (behind `TOKEN_RUNTIME_TRUSTED_PROXIES`) is worked out only when needed: when
/// some address has failed to authenticate, or this request fails.
public struct RuntimeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let peer: SocketAddress?
    /// Set by ``RuntimeHTTPMiddleware`` when a trusted proxy forwarded the client's address.
    var forwardedClient: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress
    }

    /// The client's IP address (nil when the connection has none, as in router tests).
    var clientAddress: String? { forwardedClient ?? peer?.ipAddress }
}
