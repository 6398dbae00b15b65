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
        TraceHeaders.inject(into: &upstream.headers)
        upstream.body = .bytes(request.body)
        return try await UpstreamExchange.execute(
            upstream, on: httpClients, timeout: request.stream ? streamTimeout : timeout, passing: Self.passedHeaders)
    }

    public func shutdown() async throws {
        try await httpClients.shutdown()
    }
}
