import Hummingbird
import ServiceSupport
import TokenProtocol

/// `POST /v1/introspect` (RFC 7662) and `POST /v1/revoke` (RFC 7009).
struct IntrospectionRoutes: Sendable {
    let service: TokenService
    let auth: CallerAuthentication
    let maxBodyBytes: Int

    func register(on router: Router<RuntimeRequestContext>) {
        router.post(RouterPath(RuntimePath.introspect)) { request, context in try await introspect(request, context: context) }
        router.post("/v1/revoke") { request, context in try await revoke(request, context: context) }
    }

    func introspect(_ request: Request, context: RuntimeRequestContext) async throws -> Response {
        try auth.requireIntrospector(request, context: context)
        let fields = try await FormRequest.fields(request, limit: maxBodyBytes)
        let token = try FormRequest.single("token", in: fields)
        return JSONBody.response(.ok, json: IntrospectionJSON.encode(try await service.introspect(token: token)))
    }

    /// RFC 7009 section 2.2: 200 whether or not the token existed.
    func revoke(_ request: Request, context: RuntimeRequestContext) async throws -> Response {
        try auth.requireIntrospector(request, context: context, allowAdmin: true)
        let fields = try await FormRequest.fields(request, limit: maxBodyBytes)
        let token = try FormRequest.single("token", in: fields)
        try await service.revoke(token: token)
        return Response(status: .ok, headers: [.cacheControl: "no-store"])
    }
}
