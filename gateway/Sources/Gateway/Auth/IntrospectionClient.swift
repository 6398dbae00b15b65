import ServiceSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TokenProtocol
import Tracing

/// One RFC 7662 call to the token authority. The seam between the cache and the network.
public protocol IntrospectionClient: Sendable {
    func introspect(_ token: String) async throws -> IntrospectionResponse
}

public enum IntrospectionClientError: Error, Sendable, Equatable {
    /// The runtime answered with a status other than 200 (401 means the secret is wrong).
    case status(Int)
    case invalidAnswer
    case timeout
}

/// `POST {base}/v1/introspect` over a pooled AsyncHTTPClient, authenticated with the
/// introspection secret, with a whole-request deadline on top of the client's idle timeouts.
public struct HTTPIntrospectionClient: IntrospectionClient {
    let url: String
    let authorization: String
    let httpClient: HTTPClient
    let deadline: TimeAmount
    let serverAddress: String

    public init(baseURL: String, secret: String, httpClient: HTTPClient, deadline: Duration) {
        url = ServiceURL.join(baseURL, RuntimePath.introspect)
        serverAddress = URL(string: baseURL)?.host ?? ""
        authorization = "Bearer \(secret)"
        self.httpClient = httpClient
        self.deadline = TimeAmount(deadline)
    }

    /// A client span (`token_runtime.introspect`) around the call, whose `traceparent` it sends:
    /// the runtime's server span joins the trace below it.
    public func introspect(_ token: String) async throws -> IntrospectionResponse {
        try await withStageSpan("token_runtime.introspect", ofKind: .client) { span in
            span.setAttributeIfRecording("server.address", serverAddress)
            let answer = try await call(token)
            span.setAttributeIfRecording("ljq.token.active", answer.active)
            return answer
        }
    }

    private func call(_ token: String) async throws -> IntrospectionResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        TraceHeaders.inject(into: &request.headers)
        request.body = .bytes(ByteBuffer(string: IntrospectionRequest(token: token).formEncoded))
        do {
            let response = try await httpClient.execute(request, deadline: .now() + deadline)
            let body = try await response.body.collect(upTo: 1 << 16)
            guard response.status == .ok else { throw IntrospectionClientError.status(Int(response.status.code)) }
            do {
                return try JSONDecoder().decode(IntrospectionResponse.self, from: Data(body.readableBytesView))
            } catch {
                throw IntrospectionClientError.invalidAnswer
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw IntrospectionClientError.timeout
        }
    }
}
