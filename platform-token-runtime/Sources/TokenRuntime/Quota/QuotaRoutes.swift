import Hummingbird
import TokenProtocol

/// `POST /v1/quota/lease` (``QuotaPath/lease``): a gateway takes and hands back slices of a token's
/// budget and requests per minute. Takes the introspection secret (or the admin key), like usage
/// reports; JSON in and out.
struct QuotaRoutes: Sendable {
    let authority: QuotaAuthority
    let auth: CallerAuthentication
    let maxBodyBytes: Int

    func register(on router: Router<RuntimeRequestContext>) {
        router.post(RouterPath(QuotaPath.lease)) { request, context in try await lease(request, context: context) }
    }

    func lease(_ request: Request, context: RuntimeRequestContext) async throws -> Response {
        try auth.requireIntrospector(request, context: context, allowAdmin: true)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json")
        }
        let body = try await RequestBodyReader.read(request, limit: maxBodyBytes)
        let call = try JSONBody.decode(QuotaLeaseRequest.self, from: body)
        do {
            return JSONBody.response(.ok, try await authority.lease(call))
        } catch QuotaError.invalidRequest(let problem) {
            throw APIError.invalidRequest(problem)
        } catch QuotaError.unknownToken {
            throw APIError(.notFound, "token_not_found", "no token has this token_id")
        } catch QuotaError.inactive(let status) {
            throw APIError(.forbidden, "token_inactive", "the token is \(status.rawValue)")
        } catch QuotaStoreError.unavailable {
            throw APIError(.serviceUnavailable, "temporarily_unavailable", "quota store unavailable")
        } catch UsageLedgerError.unavailable {
            throw APIError(.serviceUnavailable, "temporarily_unavailable", "usage ledger unavailable")
        }
    }
}
