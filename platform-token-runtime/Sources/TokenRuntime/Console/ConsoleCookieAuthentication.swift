import Hummingbird

/// The console's credential on admin API calls: the session cookie instead of the Bearer admin
/// key. A request with the cookie that may change something (any method but GET, HEAD and
/// OPTIONS) must also carry an `Origin` that names this server (the `Host` it was sent to), so
/// another site cannot make a signed-in browser act (the cookie is also `SameSite=Strict`).
struct ConsoleCookieAuthentication: Sendable {
    let sessions: ConsoleSessions

    /// What the cookie says about a request without a Bearer credential.
    enum Outcome: Equatable {
        /// No session cookie: the ordinary credential checks apply.
        case noCookie
        /// A live session, and (for a state-changing method) a matching Origin.
        case admitted
    }

    func check(_ request: Request) throws(APIError) -> Outcome {
        guard let id = Self.cookie(ConsoleSessions.cookieName, in: request) else { return .noCookie }
        guard sessions.touch(id) else {
            throw APIError.unauthorized("the console session expired or was signed out; sign in again", scheme: "Bearer")
        }
        if !Self.isSafe(request.method) { try Self.requireSameOrigin(request, allowMissing: false) }
        return .admitted
    }

    static func isSafe(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head || method == .options
    }

    /// Refuses (403) a request whose `Origin` is not this server's: its host and port must equal
    /// `Host`. A missing Origin is refused unless `allowMissing` (tools that are not browsers).
    static func requireSameOrigin(_ request: Request, allowMissing: Bool) throws(APIError) {
        guard let origin = request.headers[.origin] else {
            if allowMissing { return }
            throw APIError(.forbidden, "access_denied", "a console request that changes something needs an Origin header")
        }
        // HTTP/1's Host is the request's authority in HTTPTypes.
        guard let host = request.head.authority, originHost(origin) == host.lowercased()
        else {
            throw APIError(.forbidden, "access_denied", "cross-origin request refused: Origin must be this server")
        }
    }

    /// `host[:port]` of an `http://` or `https://` origin, lower-cased; nil for anything else (`null`).
    static func originHost(_ origin: String) -> String? {
        let lowered = origin.lowercased()
        for scheme in ["http://", "https://"] where lowered.hasPrefix(scheme) {
            let rest = lowered.dropFirst(scheme.count)
            guard !rest.isEmpty, !rest.contains("/") else { return nil }
            return String(rest)
        }
        return nil
    }

    /// The value of cookie `name` among the request's `Cookie` headers.
    static func cookie(_ name: String, in request: Request) -> Substring? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop(while: { $0 == " " })
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == name {
                    let value = trimmed[trimmed.index(after: equals)...]
                    return value.isEmpty ? nil : value
                }
            }
        }
        return nil
    }
}
