import Foundation
import Hummingbird
import ServiceSupport
import TokenProtocol

/// An error answer of the runtime's HTTP API: a status and an OAuth-style JSON body
/// `{"error": code, "error_description": message}`.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONBody.response(status, OAuthErrorBody(error: code, errorDescription: message))
        response.headers.append(contentsOf: headers)
        return response
    }

    static func invalidRequest(_ message: String) -> APIError {
        APIError(.badRequest, "invalid_request", message)
    }

    static func unauthorized(_ message: String, scheme: String) -> APIError {
        APIError(
            .unauthorized, "invalid_client", message,
            headers: [.wwwAuthenticate: "\(scheme) realm=\"platform-token-runtime\""]
        )
    }

    /// The caller's address spent its budget of failed authentications (`TOKEN_RUNTIME_AUTH_FAILURE_LIMIT`).
    static func tooManyFailedAuthentications(retryAfter seconds: Double) -> APIError {
        let retry = max(1, Int(seconds.rounded(.up)))
        return APIError(
            .tooManyRequests, "too_many_failed_authentications",
            "too many failed authentications from this address; try again in \(retry)s", headers: [.retryAfter: String(retry)])
    }

    static func notFound(_ message: String) -> APIError {
        APIError(.notFound, "not_found", message)
    }

    /// Any error thrown below the API layer, as an API answer.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case TokenServiceError.invalidRequest(let message):
            return .invalidRequest(message)
        case let error as DecodingError:
            return .invalidRequest("invalid JSON body: \(JSONBody.describe(error))")
        case let error as HTTPError:
            return APIError(error.status, code(for: error.status), error.body ?? error.status.reasonPhrase)
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            return APIError(.contentTooLarge, "request_too_large", "request body is larger than the limit")
        case let error as any HTTPResponseError:
            return APIError(error.status, code(for: error.status), error.status.reasonPhrase)
        case TokenStoreError.unavailable:
            return APIError(.serviceUnavailable, "temporarily_unavailable", "token store unavailable")
        default:
            return APIError(.internalServerError, "server_error", "internal error")
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .contentTooLarge: "request_too_large"
        case .unsupportedMediaType: "unsupported_media_type"
        case .unauthorized: "invalid_client"
        default: status.code < 500 ? "invalid_request" : "server_error"
        }
    }
}

/// JSON encoding and decoding for the API.
enum JSONBody {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func response(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return response(status, json: ByteBuffer(bytes: data), headers: headers)
    }

    /// A JSON document already encoded (``IntrospectionJSON``), with the API's JSON headers.
    static func response(_ status: HTTPResponse.Status, json: ByteBuffer, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: .init(byteBuffer: json))
    }

    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "bad value at \(path(context.codingPath))"
        case .keyNotFound(let key, let context):
            return "missing field \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(path(context.codingPath))"
        @unknown default:
            return "cannot decode"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}
