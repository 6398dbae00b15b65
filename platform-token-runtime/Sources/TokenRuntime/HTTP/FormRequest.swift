import Hummingbird
import ServiceSupport
import TokenProtocol

/// Reading `application/x-www-form-urlencoded` bodies (RFC 7662 and RFC 7009 requests).
enum FormRequest {
    static func fields(_ request: Request, limit: Int) async throws -> [(name: String, value: String)] {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw APIError.invalidRequest("Content-Type must be application/x-www-form-urlencoded")
        }
        let body = try await RequestBodyReader.read(request, limit: limit)
        do {
            return try FormEncoding.decode(body.readableBytesView)
        } catch {
            throw APIError.invalidRequest("malformed form body: \(error == .invalidUTF8 ? "not UTF-8" : "bad percent-encoding")")
        }
    }

    /// The one value of a required parameter: missing, empty or repeated is `invalid_request`.
    static func single(_ name: String, in fields: [(name: String, value: String)]) throws -> String {
        let values = fields.filter { $0.name == name }
        guard values.count <= 1 else { throw APIError.invalidRequest("parameter \(name) given more than once") }
        guard let value = values.first?.value, !value.isEmpty else {
            throw APIError.invalidRequest("missing parameter \(name)")
        }
        return value
    }
}
