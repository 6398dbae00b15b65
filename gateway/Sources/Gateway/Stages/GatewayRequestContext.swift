import ServiceSupport
import Hummingbird
import NIOCore

/// Per-request context: Hummingbird's core storage plus what the gateway knows of the caller.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address.
    public let remoteAddress: String?
    /// The client's address: the peer's, or the one a trusted proxy forwarded
    /// (`GATEWAY_TRUSTED_PROXIES`); set by ``GatewayMiddleware``. For the audit trail and the
    /// failed-authentication budget.
    public var clientAddress: String?
    /// The client's `x-request-id`, or one the gateway generated; set by ``GatewayMiddleware``.
    public var requestID: String = ""
    /// The verified caller, on the API routes; set by ``AuthMiddleware``.
    var claims: TokenClaims?
    /// The request's audit record, on the API routes; opened by ``AuditMiddleware``.
    var audit: AuditTrail?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
        clientAddress = remoteAddress
    }

    /// The body limit is enforced by the handlers (GATEWAY_MAX_BODY_BYTES), not here.
    public var maxUploadSize: Int { .max }
}
