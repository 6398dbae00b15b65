import Foundation
import Hummingbird
import ServiceSupport
import TokenProtocol

/// Checks the credentials callers present: the admin key (Bearer) for the admin API, the
/// introspection secret (Bearer, or the password of HTTP Basic) for introspection and RFC 7009.
///
/// Wrong credentials are charged to the caller's address (``AuthFailureBudget``,
/// `TOKEN_RUNTIME_AUTH_FAILURE_LIMIT`); an address over budget gets 429 without its credential
/// being compared, so secrets cannot be guessed at speed. While no address has failed, the check
/// is one atomic load.
struct CallerAuthentication: Sendable {
    let adminKey: String
    let introspectionSecret: String
    var failures: AuthFailureBudget? = nil
    var metrics: RuntimeMetrics? = nil
    /// The admin console's session cookie, accepted where the admin key is (nil: console off).
    var console: ConsoleCookieAuthentication? = nil

    enum Caller { case admin, introspector }

    func requireAdmin(_ request: Request, context: RuntimeRequestContext) throws {
        if try consoleAdmits(request) { return }
        let admission = try admit(context)
        let valid = Self.bearer(request).map { ConstantTime.equals($0, adminKey) } ?? false
        settle(context, admission, failedCredential: valid ? nil : "admin_key")
        guard valid else {
            throw APIError.unauthorized("admin credential required: Authorization: Bearer <TOKEN_RUNTIME_ADMIN_KEY>", scheme: "Bearer")
        }
    }

    /// The introspection secret as Bearer or Basic password; with `allowAdmin`, the admin key too.
    @discardableResult
    func requireIntrospector(_ request: Request, context: RuntimeRequestContext, allowAdmin: Bool = false) throws -> Caller {
        if allowAdmin, try consoleAdmits(request) { return .admin }
        let admission = try admit(context)
        var caller: Caller?
        if let presented = Self.bearer(request) ?? Self.basicPassword(request) {
            if ConstantTime.equals(presented, introspectionSecret) {
                caller = .introspector
            } else if allowAdmin, ConstantTime.equals(presented, adminKey) {
                caller = .admin
            }
        }
        settle(context, admission, failedCredential: caller == nil ? "introspection_secret" : nil)
        guard let caller else {
            throw APIError.unauthorized(
                "caller authentication required: Bearer or Basic with the introspection secret", scheme: "Basic")
        }
        return caller
    }

    /// True for a console session cookie (with a same-origin `Origin` on a state-changing call)
    /// on a request without an `Authorization` header; throws for a dead session or a foreign
    /// origin (neither is charged to the address: session ids cannot be guessed).
    private func consoleAdmits(_ request: Request) throws -> Bool {
        guard let console, request.headers[.authorization] == nil else { return false }
        return try console.check(request) == .admitted
    }

    /// The budget's word on this caller before its credential is compared: 429 when over budget.
    private func admit(_ context: RuntimeRequestContext) throws -> AuthFailureBudget.Admission {
        guard let failures, failures.trackedAddresses > 0, let address = context.clientAddress else { return .unreserved }
        let admission = failures.admit(address)
        if case .refused(let wait) = admission {
            metrics?.authShed.increment()
            throw APIError.tooManyFailedAuthentications(retryAfter: wait)
        }
        return admission
    }

    private func settle(_ context: RuntimeRequestContext, _ admission: AuthFailureBudget.Admission, failedCredential: String?) {
        if let failedCredential { metrics?.authFailures[failedCredential]?.increment() }
        guard let failures, admission != .unreserved || failedCredential != nil, let address = context.clientAddress else { return }
        failures.settle(address, admission, failed: failedCredential != nil, reason: "wrong \(failedCredential ?? "")")
    }

    static func bearer(_ request: Request) -> Substring? {
        request.headers[.authorization].flatMap { AuthorizationHeader.credentials($0, scheme: "bearer") }
    }

    static func basicPassword(_ request: Request) -> Substring? {
        guard let encoded = request.headers[.authorization].flatMap({ AuthorizationHeader.credentials($0, scheme: "basic") }),
            let data = Data(base64Encoded: String(encoded)),
            let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return Substring(decoded[decoded.index(after: colon)...])
    }
}

/// Comparison whose time does not depend on where two secrets first differ.
enum ConstantTime {
    static func equals(_ presented: Substring, _ expected: String) -> Bool {
        var presented = presented
        var expected = expected
        return presented.withUTF8 { left in
            expected.withUTF8 { right in
                var difference: UInt8 = left.count == right.count ? 0 : 1
                for index in 0..<right.count {
                    difference |= right[index] ^ (index < left.count ? left[index] : 0)
                }
                return difference == 0
            }
        }
    }
}
