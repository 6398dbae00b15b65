import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServiceSupport
import TokenProtocol

/// A client of the runtime's admin API, used by the `platform-token-runtime token ...` CLI.
public struct AdminClient: Sendable {
    public let baseURL: String
    public let adminKey: String
    let httpClient: HTTPClient
    let timeout: TimeAmount

    public init(baseURL: String, adminKey: String, httpClient: HTTPClient = .shared, timeout: TimeAmount = .seconds(10)) {
        self.baseURL = ServiceURL.join(baseURL, "")
        self.adminKey = adminKey
        self.httpClient = httpClient
        self.timeout = timeout
    }

    public func issue(_ request: IssueTokenRequest) async throws -> IssuedToken {
        let body = try JSONEncoder().encode(request)
        return try await send(.POST, RuntimePath.tokens, body: body, as: IssuedToken.self)
    }

    public func revoke(id: String) async throws -> TokenView {
        try await send(.POST, "\(RuntimePath.tokens)/\(FormEncoding.escape(id))/revoke", as: TokenView.self)
    }

    /// `PATCH /v1/tokens/{id}`: the token with its claims changed.
    public func update(id: String, _ patch: TokenPolicyPatch) async throws -> TokenView {
        let body = try JSONEncoder().encode(patch)
        return try await send(.PATCH, "\(RuntimePath.tokens)/\(FormEncoding.escape(id))", body: body, as: TokenView.self)
    }

    public func show(id: String) async throws -> TokenView {
        try await send(.GET, "\(RuntimePath.tokens)/\(FormEncoding.escape(id))", as: TokenView.self)
    }

    public func list(subject: String?, status: TokenStatus?, limit: Int, cursor: String?) async throws -> TokenList {
        var query: [String] = ["limit=\(limit)"]
        if let subject { query.append("subject=" + FormEncoding.escape(subject)) }
        if let status { query.append("status=" + status.rawValue) }
        if let cursor { query.append("cursor=" + FormEncoding.escape(cursor)) }
        return try await send(.GET, RuntimePath.tokens + "?" + query.joined(separator: "&"), as: TokenList.self)
    }

    func send<T: Decodable>(_ method: HTTPMethod, _ path: String, body: Data? = nil, as type: T.Type) async throws -> T {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(adminKey)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await httpClient.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 4 << 20)
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            let message = (try? JSONDecoder().decode(OAuthErrorBody.self, from: data))?.errorDescription
            throw AdminClientError(status: Int(response.status.code), message: message ?? response.status.reasonPhrase)
        }
        return try JSONDecoder().decode(type, from: data)
    }
}

public struct AdminClientError: Error, CustomStringConvertible, Sendable {
    public var status: Int
    public var message: String

    public var description: String { "HTTP \(status): \(message)" }
}
