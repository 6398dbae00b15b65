import ServiceSupport
import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// Any OpenAI-compatible HTTP API, over keep-alive connections pooled per event loop
/// (``UpstreamTransports``: SwiftNIO channels, or AsyncHTTPClient behind an egress proxy).
///
/// Requests are built from scratch: the provider's API key replaces the client's bearer token, and
/// only `Content-Type`, `Accept` and `x-request-id` travel upstream (no hop-by-hop headers).
public struct OpenAIProviderClient: ProviderClient {
    /// The API root every path is below (`…/v1`).
    let root: String
    let authorization: String?
    let transport: any UpstreamTransport
    let timeout: Duration
    let streamTimeout: Duration

    public init(config: ProviderConfig, http: HTTPTimeoutConfig, streamTimeout: Duration = .seconds(600)) {
        let base = ServiceURL.join(config.baseURL, "")
        root = base.hasSuffix("/v1") ? base : base + "/v1"
        authorization = config.apiKey.map { "Bearer \($0)" }
        transport = UpstreamTransports.make(root: root, http: http)
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
        var headers = HTTPHeaders()
        headers.reserveCapacity(6)
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: request.accept ?? (request.stream ? "text/event-stream" : "application/json"))
        headers.add(name: "x-request-id", value: request.requestID)
        TraceHeaders.inject(into: &headers)
        let call = UpstreamCall(
            path: request.endpoint.rawValue, headers: headers, body: request.body, stream: request.stream,
            timeout: request.stream ? streamTimeout : timeout)
        return try await transport.execute(call, passing: Self.passedHeaders)
    }

    public func shutdown() async throws {
        try await transport.shutdown()
    }
}
