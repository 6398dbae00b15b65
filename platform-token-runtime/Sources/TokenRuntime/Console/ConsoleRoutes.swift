import Hummingbird
import ServiceSupport

/// The admin console (`TOKEN_RUNTIME_ADMIN_CONSOLE`, on by default): its page and files under
/// `/admin/`, and its sign-in session at `/admin/session`:
///
/// - `POST /admin/session` with `{"admin_key": ...}` (JSON) signs in: a session cookie
///   (`HttpOnly`, `SameSite=Strict`, `Path=/`, `Secure` over TLS) that the admin API then takes
///   instead of the Bearer admin key. Wrong keys are charged per client address
///   (`TOKEN_RUNTIME_ADMIN_SIGNIN_LIMIT` a minute); an address over it gets 429 without its key
///   being compared. An `Origin` other than this server's is refused.
/// - `GET /admin/session` answers 200 while the cookie's session lives, else 401.
/// - `DELETE /admin/session` signs out (same-origin only) and clears the cookie.
///
/// Every answer carries ``ConsoleSecurityHeaders``.
struct ConsoleRoutes: Sendable {
    let sessions: ConsoleSessions
    let adminKey: String
    let signInFailures: AuthFailureBudget
    /// Served over TLS: the cookie is `Secure`.
    let secureCookie: Bool
    var assets: ConsoleAssets = ConsoleAssets.shared.0

    static let root = "/admin"

    func register(on router: Router<RuntimeRequestContext>) {
        let group = router.group(RouterPath(Self.root)).add(middleware: ConsoleSecurityHeaders())
        // "/admin" and "/admin/" are one route; the page names its files by absolute paths.
        group.get { _, _ in asset("index.html") }
        for file in ConsoleAssets.files where file.name != "index.html" {
            group.get(RouterPath(file.name)) { _, _ in asset(file.name) }
        }
        group.post("session") { request, context in try await signIn(request, context: context) }
        group.get("session") { request, _ in try status(request) }
        group.delete("session") { request, _ in try signOut(request) }
    }

    func asset(_ name: String) -> Response {
        guard let asset = assets[name] else { return Response(status: .notFound) }
        var headers: HTTPFields = [.contentType: asset.contentType]
        // The page itself is never cached (it names the current files); the files may be, briefly.
        headers[.cacheControl] = name == "index.html" ? "no-store" : "private, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }

    func signIn(_ request: Request, context: RuntimeRequestContext) async throws -> Response {
        try ConsoleCookieAuthentication.requireSameOrigin(request, allowMissing: true)
        try AdminRoutes.requireJSON(request)
        let address = context.clientAddress
        var admission = AuthFailureBudget.Admission.unreserved
        if let address {
            admission = signInFailures.admit(address)
            if case .refused(let wait) = admission { throw APIError.tooManyFailedAuthentications(retryAfter: wait) }
        }
        let body = try await RequestBodyReader.read(request, limit: 4_096)
        let presented = (try? JSONBody.decode(SignInRequest.self, from: body))?.adminKey ?? ""
        let valid = !presented.isEmpty && ConstantTime.equals(Substring(presented), adminKey)
        if let address { signInFailures.settle(address, admission, failed: !valid, reason: "wrong admin key at console sign-in") }
        guard valid else {
            context.logger.notice("console sign-in refused", metadata: ["client": "\(address ?? "unknown")"])
            throw APIError(.unauthorized, "invalid_admin_key", "that is not the admin key")
        }
        let id = sessions.start()
        context.logger.info("console sign-in", metadata: ["client": "\(address ?? "unknown")"])
        return JSONBody.response(.ok, SessionState(sessions), headers: [.setCookie: cookie(id)])
    }

    func status(_ request: Request) throws -> Response {
        guard let id = ConsoleCookieAuthentication.cookie(ConsoleSessions.cookieName, in: request), sessions.touch(id) else {
            throw APIError(.unauthorized, "not_signed_in", "no console session; sign in with the admin key")
        }
        return JSONBody.response(.ok, SessionState(sessions))
    }

    func signOut(_ request: Request) throws -> Response {
        try ConsoleCookieAuthentication.requireSameOrigin(request, allowMissing: false)
        if let id = ConsoleCookieAuthentication.cookie(ConsoleSessions.cookieName, in: request) { sessions.end(id) }
        return Response(status: .noContent, headers: [.setCookie: cookie("", maxAge: 0)])
    }

    /// The session cookie; `maxAge` 0 deletes it. Without Max-Age it lasts while the browser runs
    /// (the session itself expires on the server).
    func cookie(_ value: String, maxAge: Int? = nil) -> String {
        var cookie = "\(ConsoleSessions.cookieName)=\(value); Path=/; HttpOnly; SameSite=Strict"
        if let maxAge { cookie += "; Max-Age=\(maxAge)" }
        if secureCookie { cookie += "; Secure" }
        return cookie
    }
}

/// `GET /admin/session` and sign-in answers.
struct SessionState: Encodable {
    var signedIn = true
    var idleTimeoutSeconds: Int

    init(_ sessions: ConsoleSessions) {
        idleTimeoutSeconds = Int(sessions.idleTimeout)
    }

    enum CodingKeys: String, CodingKey {
        case signedIn = "signed_in"
        case idleTimeoutSeconds = "idle_timeout_seconds"
    }
}
