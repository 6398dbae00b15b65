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
        guard let value = request.headers[.authorization], hasScheme("bearer ", value) else { return nil }
        return value.dropFirst(7).drop(while: { $0 == " " })
    }

    /// Whether `value` starts with `scheme` (lowercase ASCII), ignoring case, with something after it.
    static func hasScheme(_ scheme: StaticString, _ value: String) -> Bool {
        let utf8 = value.utf8
        guard utf8.count > scheme.utf8CodeUnitCount else { return false }
        return scheme.withUTF8Buffer { expected in
            zip(expected, utf8).allSatisfy { expected, byte in
                // ASCII letters differ from their capitals in bit 0x20 only.
                byte == expected || (expected >= UInt8(ascii: "a") && expected <= UInt8(ascii: "z") && byte | 0x20 == expected)
            }
        }
    }

    static func basicPassword(_ request: Request) -> Substring? {
        guard let value = request.headers[.authorization], hasScheme("basic ", value) else { return nil }
        guard let data = Data(base64Encoded: String(value.dropFirst(6).drop(while: { $0 == " " }))),
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
