import Hummingbird

/// The context of a route behind ``AuthMiddleware``: the verified claims are not optional here,
/// so a handler cannot be written that forgets them.
struct AuthenticatedRequestContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    let requestID: String
    let clientAddress: String?
    let claims: TokenClaims
    let audit: AuditTrail

    /// Built by the router for the routes of an authenticated group, after ``AuditMiddleware`` and
    /// ``AuthMiddleware`` ran: a group wired without them fails every request (500), never open.
    init(context: GatewayRequestContext) throws {
        guard let claims = context.claims, let audit = context.audit else {
            throw HTTPError(.internalServerError, message: "authenticated route without the auth and audit stages")
        }
        coreContext = context.coreContext
        requestID = context.requestID
        clientAddress = context.clientAddress
        self.claims = claims
        self.audit = audit
    }

    /// The body limit is enforced by the handlers (GATEWAY_MAX_BODY_BYTES), not here.
    var maxUploadSize: Int { .max }
}
