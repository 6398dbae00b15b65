import Hummingbird
import ServiceSupport
import TokenProtocol

/// The admin API: issue, look up, list, change and revoke tokens. Every call needs the admin key.
struct AdminRoutes: Sendable {
    let service: TokenService
    let auth: CallerAuthentication
    let maxBodyBytes: Int
    /// Each shown or listed token's spend (Ledger/TokenSpendView.swift).
    let ledger: any UsageLedger

    func register(on router: Router<RuntimeRequestContext>) {
        router.post(RouterPath(RuntimePath.tokens)) { request, context in try await issue(request, context: context) }
        router.get(RouterPath(RuntimePath.tokens)) { request, context in try await list(request, context: context) }
        router.get(RouterPath(RuntimePath.tokens + "/:id")) { request, context in
            try await show(request, context: context, id: context.parameters.require("id"))
        }
        router.patch(RouterPath(RuntimePath.tokens + "/:id")) { request, context in
            try await update(request, context: context, id: context.parameters.require("id"))
        }
        router.post(RouterPath(RuntimePath.tokens + "/:id/revoke")) { request, context in
            try await revoke(request, context: context, id: context.parameters.require("id"))
        }
    }

    func issue(_ request: Request, context: RuntimeRequestContext) async throws -> Response {
        try auth.requireAdmin(request, context: context)
        try Self.requireJSON(request)
        let body = try await RequestBodyReader.read(request, limit: maxBodyBytes)
        let issueRequest = try JSONBody.decode(IssueTokenRequest.self, from: body)
        let issued = try await service.issue(issueRequest)
        return JSONBody.response(.created, issued, headers: [.location: "\(RuntimePath.tokens)/\(issued.view.id)"])
    }

    /// `PATCH /v1/tokens/{id}`: a ``TokenPolicyPatch``; answers the token as `GET` shows it.
    func update(_ request: Request, context: RuntimeRequestContext, id: String) async throws -> Response {
        try auth.requireAdmin(request, context: context)
        try Self.requireJSON(request)
        let body = try await RequestBodyReader.read(request, limit: maxBodyBytes)
        let patch = try JSONBody.decode(TokenPolicyPatch.self, from: body)
        guard let record = try await service.update(id: id, patch) else { throw APIError.notFound("no token with id \(id)") }
        return JSONBody.response(.ok, try await TokenSpendView.make(TokenView(record, now: service.clock.now()), ledger: ledger))
    }

    static func requireJSON(_ request: Request) throws {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json")
        }
    }

    func show(_ request: Request, context: RuntimeRequestContext, id: String) async throws -> Response {
        try auth.requireAdmin(request, context: context)
        guard let view = try await service.lookup(id: id) else { throw APIError.notFound("no token with id \(id)") }
        return JSONBody.response(.ok, try await TokenSpendView.make(view, ledger: ledger))
    }

    /// `GET /v1/tokens`: `status`, `subject` (exact), `q` (text in the subject, id or client id,
    /// any case), `order` (`asc`, issue order, the default; `desc`, newest first), `limit` (1-500,
    /// default 50) and `cursor` (the previous page's `next_cursor`).
    func list(_ request: Request, context: RuntimeRequestContext) async throws -> Response {
        try auth.requireAdmin(request, context: context)
        let parameters = request.uri.queryParameters
        var query = TokenQuery()
        if let subject = parameters["subject"], !subject.isEmpty { query.subject = String(subject) }
        if let status = parameters["status"], !status.isEmpty {
            guard let value = TokenStatus(rawValue: String(status)), value != .unknown else {
                throw APIError.invalidRequest("status must be active, expired or revoked")
            }
            query.status = value
        }
        if let limit = parameters["limit"] {
            guard let value = Int(limit), (1...500).contains(value) else {
                throw APIError.invalidRequest("limit must be a whole number from 1 to 500")
            }
            query.limit = value
        }
        if let cursor = parameters["cursor"], !cursor.isEmpty { query.after = String(cursor) }
        if let search = parameters["q"], !search.isEmpty {
            guard search.count <= 200 else { throw APIError.invalidRequest("q is at most 200 characters") }
            query.search = String(search)
        }
        if let order = parameters["order"], !order.isEmpty {
            guard order == "asc" || order == "desc" else {
                throw APIError.invalidRequest("order must be asc (issue order, the default) or desc (newest first)")
            }
            query.newestFirst = order == "desc"
        }
        return JSONBody.response(.ok, try await TokenSpendView.make(try await service.list(query), ledger: ledger))
    }

    func revoke(_ request: Request, context: RuntimeRequestContext, id: String) async throws -> Response {
        try auth.requireAdmin(request, context: context)
        guard let record = try await service.revoke(id: id) else { throw APIError.notFound("no token with id \(id)") }
        return JSONBody.response(.ok, TokenView(record, now: service.clock.now()))
    }
}
