import Foundation
import Hummingbird

/// Checks the credentials callers present: the admin key (Bearer) for the admin API, the
/// introspection secret (Bearer, or the password of HTTP Basic) for introspection and RFC 7009.
struct CallerAuthentication: Sendable {
    let adminKey: String
    let introspectionSecret: String

    enum Caller { case admin, introspector }

    func requireAdmin(_ request: Request) throws {
        guard let presented = Self.bearer(request), ConstantTime.equals(presented, adminKey) else {
            throw APIError.unauthorized("admin credential required: Authorization: Bearer <TOKEN_RUNTIME_ADMIN_KEY>", scheme: "Bearer")
        }
    }

    /// The introspection secret as Bearer or Basic password; with `allowAdmin`, the admin key too.
    @discardableResult
    func requireIntrospector(_ request: Request, allowAdmin: Bool = false) throws -> Caller {
        let presented = Self.bearer(request) ?? Self.basicPassword(request)
        if let presented {
            if ConstantTime.equals(presented, introspectionSecret) { return .introspector }
            if allowAdmin, ConstantTime.equals(presented, adminKey) { return .admin }
        }
        throw APIError.unauthorized(
            "caller authentication required: Bearer or Basic with the introspection secret", scheme: "Basic")
    }

    static func bearer(_ request: Request) -> Substring? {
        guard let value = request.headers[.authorization] else { return nil }
        guard value.count > 7, value.prefix(7).lowercased() == "bearer " else { return nil }
        return value.dropFirst(7).drop(while: { $0 == " " })
    }

    static func basicPassword(_ request: Request) -> Substring? {
        guard let value = request.headers[.authorization], value.count > 6, value.prefix(6).lowercased() == "basic "
        else { return nil }
        guard let data = Data(base64Encoded: String(value.dropFirst(6).drop(while: { $0 == " " }))),
            let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return Substring(decoded[decoded.index(after: colon)...])
    }
}

/// Comparison whose time does not depend on where two secrets first differ.
enum ConstantTime {
    static func equals(_ presented: some StringProtocol, _ expected: String) -> Bool {
        let left = Array(presented.utf8)
        let right = Array(expected.utf8)
        var difference: UInt8 = left.count == right.count ? 0 : 1
        for index in 0..<right.count {
            difference |= right[index] ^ (index < left.count ? left[index] : 0)
        }
        return difference == 0
    }
}
