import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

/// The admin console over real HTTP: sign-in and its cookie, the security headers, the session
/// cookie on the admin API (with the Origin check on writes), the sign-in rate limit, sign-out,
/// idle expiry, `TOKEN_RUNTIME_ADMIN_CONSOLE=off`, and the list and usage parameters the pages use.
@Suite struct AdminConsoleHTTPTests {
    let clock = ManualWallClock(1_800_000_000)

    func withLiveApp(
        console: Bool = true, signInLimit: Int = 5,
        _ body: @Sendable (any TestClientProtocol, RuntimeConfiguration, String) async throws -> Void
    ) async throws {
        var configuration = RuntimeConfiguration.testing()
        configuration.adminConsole = console
        configuration.adminSignInLimit = signInLimit
        configuration.adminSessionIdle = .seconds(600)
        let runtime = RuntimeApplication(configuration: configuration, clock: clock)
        let app = Application(router: runtime.buildRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let configured = configuration
        try await app.test(.live) { client in
            // The Origin a browser on this page sends: the scheme and the Host the client sends
            // (HummingbirdTesting's live client sends `Host: localhost`).
            let origin = "http://localhost"
            try await body(client, configured, origin)
        }
    }

    struct Answer {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: String
    }

    func call(
        _ client: some TestClientProtocol, _ uri: String, _ method: HTTPRequest.Method = .get, headers: HTTPFields = [:],
        json: String? = nil
    ) async throws -> Answer {
        var headers = headers
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) {
            Answer(status: $0.status, headers: $0.headers, body: String(buffer: $0.body))
        }
    }

    func header(_ fields: HTTPFields, _ name: String) -> String? {
        fields.first { $0.name.canonicalName == name.lowercased() }?.value
    }

    /// Signs in; returns the `Cookie` header value.
    func signIn(_ client: some TestClientProtocol, _ configuration: RuntimeConfiguration) async throws -> String {
        let answer = try await call(client, "/admin/session", .post, json: #"{"admin_key":"\#(configuration.adminKey)"}"#)
        #expect(answer.status == .ok, "\(answer.body)")
        let setCookie = try #require(answer.headers[.setCookie])
        return String(setCookie.prefix(while: { $0 != ";" }))
    }

    @Test func signInSetsAnHttpOnlyStrictSessionCookie() async throws {
        try await withLiveApp { client, configuration, origin in
            let answer = try await call(
                client, "/admin/session", .post, headers: [.origin: origin], json: #"{"admin_key":"\#(configuration.adminKey)"}"#)
            #expect(answer.status == .ok)
            #expect(answer.body.contains(#""signed_in":true"#))
            let cookie = try #require(answer.headers[.setCookie])
            let attributes = cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(attributes[0].hasPrefix("ljq_admin_session="))
            #expect(attributes[0].count == "ljq_admin_session=".count + 64, "256 random bits in hex")
            #expect(attributes.contains("HttpOnly"))
            #expect(attributes.contains("SameSite=Strict"))
            #expect(attributes.contains("Path=/"))
            #expect(!attributes.contains("Secure"), "plain HTTP here; Secure only over TLS")
            #expect(!cookie.contains(configuration.adminKey))
            // The session works where the admin key does, and the page can ask whether it is signed in.
            let session = String(attributes[0])
            #expect(try await call(client, "/v1/tokens", headers: [.cookie: session]).status == .ok)
            #expect(try await call(client, "/admin/session", headers: [.cookie: session]).status == .ok)
            #expect(try await call(client, RuntimeStatusRoutes.path, headers: [.cookie: session]).status == .ok)
        }
    }

    @Test func theCookieIsSecureWhenServedOverTLS() {
        let routes = ConsoleRoutes(
            sessions: ConsoleSessions(idleTimeout: .seconds(60), clock: clock), adminKey: "k", signInFailures: AuthFailureBudget(failuresPerMinute: 1),
            secureCookie: true)
        #expect(routes.cookie("abc") == "ljq_admin_session=abc; Path=/; HttpOnly; SameSite=Strict; Secure")
        #expect(routes.cookie("", maxAge: 0) == "ljq_admin_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure")
    }

    @Test func aWrongKeyIsRefusedWithoutACookie() async throws {
        try await withLiveApp { client, _, _ in
            for body in [#"{"admin_key":"not-the-key"}"#, #"{"admin_key":""}"#, #"{}"#, "not json"] {
                let answer = try await call(client, "/admin/session", .post, json: body)
                #expect(answer.status == .unauthorized, "\(body)")
                #expect(answer.headers[.setCookie] == nil)
            }
            // The key only ever travels in a JSON body.
            #expect(try await call(client, "/admin/session?admin_key=x", .post).status == .unsupportedMediaType)
        }
    }

    @Test func consoleResponsesCarryTheSecurityHeaders() async throws {
        try await withLiveApp { client, _, _ in
            let uris = ["/admin/", "/admin", "/admin/app.js", "/admin/console.css", "/admin/session"]
            for uri in uris {
                let answer = try await call(client, uri)
                let csp = answer.headers[.contentSecurityPolicy] ?? ""
                #expect(csp.contains("default-src 'self'"), "\(uri)")
                #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "\(uri)")
                #expect(header(answer.headers, "X-Frame-Options") == "DENY", "\(uri)")
                #expect(header(answer.headers, "Referrer-Policy") == "no-referrer", "\(uri)")
                #expect(answer.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
            }
            let page = try await call(client, "/admin/")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.body.contains(#"<script type="module" src="/admin/app.js"></script>"#))
            #expect(try await call(client, "/admin/app.js").headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(try await call(client, "/admin/nothing-here.js").status == .notFound)
        }
    }

    /// Nothing in the shipped files runs inline or builds HTML from strings.
    @Test func theConsoleFilesHaveNoInlineCodeAndNoHTMLSinks() throws {
        let (assets, missing) = ConsoleAssets.load()
        #expect(missing.isEmpty)
        let page = String(buffer: try #require(assets["index.html"]).body)
        #expect(!page.contains("<script>") && !page.contains("<style"), "no inline script or style element")
        #expect(page.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil, "no inline event handler")
        #expect(page.range(of: #"\sstyle\s*="#, options: .regularExpression) == nil, "no style attribute")
        for file in ConsoleAssets.files where file.name.hasSuffix(".js") {
            let code = String(buffer: try #require(assets[file.name]).body)
            #expect(!code.isEmpty, "\(file.name)")
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "localStorage", "sessionStorage"] {
                #expect(!code.contains(sink), "\(file.name) uses \(sink)")
            }
        }
    }

    @Test func writesWithTheCookieNeedThisServersOrigin() async throws {
        try await withLiveApp { client, configuration, origin in
            let session = try await signIn(client, configuration)
            let issue = #"{"subject":"console"}"#
            let foreign = try await call(client, "/v1/tokens", .post, headers: [.cookie: session, .origin: "http://evil.example"], json: issue)
            #expect(foreign.status == .forbidden)
            #expect(foreign.body.contains("access_denied"))
            let lookalike = try await call(client, "/v1/tokens", .post, headers: [.cookie: session, .origin: origin + ".evil.example"], json: issue)
            #expect(lookalike.status == .forbidden)
            let missing = try await call(client, "/v1/tokens", .post, headers: [.cookie: session], json: issue)
            #expect(missing.status == .forbidden, "a write with the cookie and no Origin")
            let nullOrigin = try await call(client, "/v1/tokens", .post, headers: [.cookie: session, .origin: "null"], json: issue)
            #expect(nullOrigin.status == .forbidden)
            #expect(try await call(client, "/v1/tokens").body.contains(#""data":[]"#) == false)  // 401 body, not a list
            let listed = try await call(client, "/v1/tokens", headers: [.authorization: "Bearer \(configuration.adminKey)"])
            #expect(listed.body.contains(#""data":[]"#), "nothing was issued by the refused calls")

            let same = try await call(client, "/v1/tokens", .post, headers: [.cookie: session, .origin: origin], json: issue)
            #expect(same.status == .created, "\(same.body)")
            let issued = try JSONDecoder().decode(IssuedToken.self, from: Data(same.body.utf8))
            // PATCH and revoke too.
            let patchPath = "/v1/tokens/\(issued.view.id)"
            #expect(try await call(client, patchPath, .patch, headers: [.cookie: session, .origin: "http://evil.example"], json: #"{"rate_limit_rpm":5}"#).status == .forbidden)
            #expect(try await call(client, patchPath, .patch, headers: [.cookie: session, .origin: origin], json: #"{"rate_limit_rpm":5}"#).status == .ok)
            #expect(try await call(client, patchPath + "/revoke", .post, headers: [.cookie: session]).status == .forbidden)
            #expect(try await call(client, patchPath + "/revoke", .post, headers: [.cookie: session, .origin: origin]).status == .ok)
            // Reads need no Origin.
            #expect(try await call(client, patchPath, headers: [.cookie: session]).status == .ok)
            // A foreign page cannot sign in either.
            let foreignSignIn = try await call(
                client, "/admin/session", .post, headers: [.origin: "https://evil.example"], json: #"{"admin_key":"\#(configuration.adminKey)"}"#)
            #expect(foreignSignIn.status == .forbidden)
        }
    }

    @Test func withoutACookieOrKeyTheAdminAPIRefuses() async throws {
        try await withLiveApp { client, _, origin in
            #expect(try await call(client, "/v1/tokens").status == .unauthorized)
            #expect(try await call(client, "/v1/tokens", .post, headers: [.origin: origin], json: #"{"subject":"x"}"#).status == .unauthorized)
            #expect(try await call(client, "/v1/usage").status == .unauthorized)
            #expect(try await call(client, RuntimeStatusRoutes.path).status == .unauthorized)
            #expect(try await call(client, "/admin/session").status == .unauthorized)
            let forged = "ljq_admin_session=" + String(repeating: "ab", count: 32)
            let answer = try await call(client, "/v1/tokens", headers: [.cookie: forged])
            #expect(answer.status == .unauthorized)
            #expect(answer.body.contains("sign in again"))
        }
    }

    @Test func theBearerAdminKeyStillWorksAndWinsOverACookie() async throws {
        try await withLiveApp { client, configuration, _ async throws in
            let admin: HTTPFields = [.authorization: "Bearer \(configuration.adminKey)"]
            #expect(try await call(client, "/v1/tokens", .post, headers: admin, json: #"{"subject":"cli"}"#).status == .created)
            #expect(try await call(client, "/v1/tokens", headers: admin).status == .ok)
            // No Origin check for the Bearer key (scripts send none), and a stale cookie beside it is ignored.
            var both = admin
            both[.cookie] = "ljq_admin_session=stale"
            #expect(try await call(client, "/v1/tokens", .post, headers: both, json: #"{"subject":"cli"}"#).status == .created)
            #expect(try await call(client, "/v1/tokens", headers: [.authorization: "Bearer wrong", .cookie: "ljq_admin_session=stale"]).status == .unauthorized)
        }
    }

    @Test func failedSignInsAreRateLimitedPerAddress() async throws {
        try await withLiveApp(signInLimit: 3) { client, configuration, _ async throws in
            for attempt in 1...3 {
                #expect(try await call(client, "/admin/session", .post, json: #"{"admin_key":"guess-\#(attempt)"}"#).status == .unauthorized)
            }
            let refused = try await call(client, "/admin/session", .post, json: #"{"admin_key":"guess-4"}"#)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "20", "3 a minute: one attempt comes back every 20 s")
            // Over the limit even the right key is not compared.
            let right = #"{"admin_key":"\#(configuration.adminKey)"}"#
            #expect(try await call(client, "/admin/session", .post, json: right).status == .tooManyRequests)
            clock.advance(by: 20)
            #expect(try await call(client, "/admin/session", .post, json: right).status == .ok)
            // The Bearer key has a budget of its own (TOKEN_RUNTIME_AUTH_FAILURE_LIMIT), untouched by sign-ins.
            #expect(try await call(client, "/v1/tokens", headers: [.authorization: "Bearer \(configuration.adminKey)"]).status == .ok)
        }
    }

    @Test func signOutAndIdleExpiryEndTheSession() async throws {
        try await withLiveApp { client, configuration, origin in
            let session = try await signIn(client, configuration)
            // Used within the idle timeout (600 s here): it lives on.
            clock.advance(by: 590)
            #expect(try await call(client, "/v1/tokens", headers: [.cookie: session]).status == .ok)
            clock.advance(by: 590)
            #expect(try await call(client, "/v1/tokens", headers: [.cookie: session]).status == .ok)
            // Idle for the timeout: gone.
            clock.advance(by: 600)
            #expect(try await call(client, "/v1/tokens", headers: [.cookie: session]).status == .unauthorized)
            #expect(try await call(client, "/admin/session", headers: [.cookie: session]).status == .unauthorized)

            let second = try await signIn(client, configuration)
            #expect(try await call(client, "/admin/session", .delete, headers: [.cookie: second, .origin: "http://evil.example"]).status == .forbidden)
            let out = try await call(client, "/admin/session", .delete, headers: [.cookie: second, .origin: origin])
            #expect(out.status == .noContent)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await call(client, "/v1/tokens", headers: [.cookie: second]).status == .unauthorized)
        }
    }

    @Test func consoleOffRemovesItsRoutesAndTheCookie() async throws {
        try await withLiveApp(console: false) { client, configuration, _ async throws in
            for uri in ["/admin/", "/admin", "/admin/app.js", "/admin/session"] {
                #expect(try await call(client, uri).status == .notFound, "\(uri)")
            }
            #expect(try await call(client, "/admin/session", .post, json: #"{"admin_key":"\#(configuration.adminKey)"}"#).status == .notFound)
            // A cookie means nothing; the Bearer key works as ever.
            #expect(try await call(client, "/v1/tokens", headers: [.cookie: "ljq_admin_session=x"]).status == .unauthorized)
            #expect(try await call(client, "/v1/tokens", headers: [.authorization: "Bearer \(configuration.adminKey)"]).status == .ok)
        }
    }

    @Test func theListEndpointSearchesAndPagesNewestFirst() async throws {
        try await withLiveApp { client, configuration, _ async throws in
            let admin: HTTPFields = [.authorization: "Bearer \(configuration.adminKey)"]
            var ids: [String] = []
            for subject in ["ann", "Bob", "annabel", "carl"] {
                let answer = try await call(client, "/v1/tokens", .post, headers: admin, json: #"{"subject":"\#(subject)"}"#)
                ids.append(try JSONDecoder().decode(IssuedToken.self, from: Data(answer.body.utf8)).view.id)
            }
            func page(_ query: String) async throws -> (ids: [String], next: String?) {
                let answer = try await call(client, "/v1/tokens?" + query, headers: admin)
                #expect(answer.status == .ok, "\(query): \(answer.body)")
                let object = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any] ?? [:]
                let data = object["data"] as? [[String: Any]] ?? []
                return (data.compactMap { $0["id"] as? String }, object["next_cursor"] as? String)
            }
            // Old callers: issue order.
            #expect(try await page("").ids == ids)
            let newest = try await page("order=desc&limit=3")
            #expect(newest.ids == [ids[3], ids[2], ids[1]])
            #expect(try await page("order=desc&limit=3&cursor=\(newest.next ?? "")").ids == [ids[0]])
            #expect(try await page("q=ANN&order=desc").ids == [ids[2], ids[0]])
            #expect(try await page("q=bob&status=active").ids == [ids[1]])
            #expect(try await page("q=nobody").ids.isEmpty)
            for bad in ["order=sideways", "limit=0", "status=lost", "q=" + String(repeating: "x", count: 201)] {
                #expect(try await call(client, "/v1/tokens?" + bad, headers: admin).status == .badRequest, "\(bad)")
            }
            // Usage's top-N parameters.
            #expect(try await call(client, "/v1/usage?group_by=token&order_by=spend&limit=5", headers: admin).status == .ok)
            for bad in ["order_by=cost", "limit=5", "order_by=spend&limit=0", "order_by=spend&limit=1001"] {
                #expect(try await call(client, "/v1/usage?" + bad, headers: admin).status == .badRequest, "\(bad)")
            }
        }
    }

    @Test func theStatusEndpointSaysWhatThisReplicaKnows() async throws {
        try await withLiveApp { client, configuration, _ async throws in
            let answer = try await call(client, RuntimeStatusRoutes.path, headers: [.authorization: "Bearer \(configuration.adminKey)"])
            #expect(answer.status == .ok)
            let status = try JSONDecoder().decode(RuntimeStatus.self, from: Data(answer.body.utf8))
            #expect(status.store == "memory")
            #expect(status.ready)
            #expect(status.eventSubscribers == 0)
            #expect(status.introspectionsTotal == 0)
        }
    }
}
