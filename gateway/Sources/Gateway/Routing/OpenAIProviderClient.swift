import ServiceSupport
import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// Any OpenAI-compatible HTTP API, through pooled keep-alive AsyncHTTPClients per provider
/// (``LoopLocalHTTPClients``: per event loop, idle and per-host connection limits).
///
/// Requests are built from scratch: the provider's API key replaces the client's bearer token, and
/// only `Content-Type`, `Accept` and `x-request-id` travel upstream (no hop-by-hop headers).
public struct OpenAIProviderClient: ProviderClient {
    let root: String
    let authorization: String?
    let httpClients: LoopLocalHTTPClients
    let timeout: Duration
    let streamTimeout: Duration

    public init(config: ProviderConfig, http: HTTPTimeoutConfig, streamTimeout: Duration = .seconds(600)) {
        let base = ServiceURL.join(config.baseURL, "")
        root = base.hasSuffix("/v1") ? base : base + "/v1"
        authorization = config.apiKey.map { "Bearer \($0)" }
        httpClients = LoopLocalHTTPClients(http)
        timeout = config.timeout
        self.streamTimeout = max(streamTimeout, config.timeout)
    }

    /// Response headers worth passing to the client.
    static let passedHeaders: [(String, HTTPField.Name)] = [
        ("content-type", .contentType), ("openai-processing-ms", HTTPField.Name("openai-processing-ms")!),
        ("openai-version", HTTPField.Name("openai-version")!),
        // Rate-limit hints for the gateway's fallback (RateLimitHint); not passed to clients.
        ("retry-after", .retryAfter), ("retry-after-ms", HTTPField.Name("retry-after-ms")!),
        ("x-ratelimit-reset-requests", HTTPField.Name("x-ratelimit-reset-requests")!),
    ]

    public func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        var upstream = HTTPClientRequest(url: root + request.endpoint.rawValue)
        upstream.method = .POST
        upstream.headers.reserveCapacity(4)
        if let authorization { upstream.headers.add(name: "Authorization", value: authorization) }
        upstream.headers.add(name: "Content-Type", value: "application/json")
        upstream.headers.add(name: "Accept", value: request.accept ?? (request.stream ? "text/event-stream" : "application/json"))
        upstream.headers.add(name: "x-request-id", value: request.requestID)
        upstream.body = .bytes(request.body)
        let lease = try await httpClients.lease()
        let response: HTTPClientResponse
        do {
            response = try await lease.client.execute(upstream, deadline: .now() + TimeAmount(request.stream ? streamTimeout : timeout))
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
        {
            throw UpstreamError.timeout
        } catch {
            if OutOfFileDescriptors.caused(error) { throw UpstreamError.outOfFileDescriptors }
            throw UpstreamError.connection(String(describing: error))
        }
        var headers = HTTPFields()
        for (name, field) in Self.passedHeaders {
            if let value = response.headers.first(name: name) { headers[field] = value }
        }
        return UpstreamResponse(status: Int(response.status.code), headers: headers, body: .http(response.body), lease: lease)
    }

    public func shutdown() async throws {
        try await httpClients.shutdown()
    }
}
