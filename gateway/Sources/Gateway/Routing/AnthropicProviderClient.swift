import AsyncHTTPClient
import HTTPTypes
import NIOCore
import NIOHTTP1
import ServiceSupport

/// Anthropic's Messages API (https://docs.anthropic.com/en/api/messages), through the same pooled
/// keep-alive connections, timeouts and cancellation as ``OpenAIProviderClient``.
///
/// The request body must already be a Messages request (translating an OpenAI body is not this
/// client's job). It goes to `<base_url>/v1/messages`, or to the request's ``UpstreamRequest/path``
/// below `/v1` (``countTokensPath``), with the provider's key as `x-api-key` and
/// `anthropic-version`: the request's own (a client speaking Anthropic natively) else the
/// configured one; the request's `anthropic-beta` headers go along as sent. Nothing else of the
/// client's travels upstream.
public struct AnthropicProviderClient: ProviderClient {
    /// `POST /v1/messages`: the default path.
    public static let messagesPath = "/messages"
    /// `POST /v1/messages/count_tokens`, answering `{"input_tokens": N}`.
    public static let countTokensPath = "/messages/count_tokens"

    static let version = HTTPField.Name("anthropic-version")!
    static let beta = HTTPField.Name("anthropic-beta")!
    /// The client headers passed on as sent (``UpstreamRequest/headers``).
    public static let passedRequestHeaders: [HTTPField.Name] = [version, beta]

    /// The client's headers that go to an Anthropic provider as sent (``passedRequestHeaders``).
    static func passedRequestHeaders(from client: HTTPFields) -> HTTPFields {
        var headers = HTTPFields()
        for name in passedRequestHeaders {
            for value in client[values: name] { headers.append(HTTPField(name: name, value: value)) }
        }
        return headers
    }

    /// The API root every path is below (`…/v1`).
    let root: String
    let apiKey: String?
    let anthropicVersion: String
    let transport: any UpstreamTransport
    let timeout: Duration
    let streamTimeout: Duration

    public init(config: ProviderConfig, http: HTTPTimeoutConfig, streamTimeout: Duration = .seconds(600)) {
        let base = ServiceURL.join(config.baseURL, "")
        root = base.hasSuffix("/v1") ? base : base + "/v1"
        apiKey = config.apiKey
        anthropicVersion = config.anthropicVersion
        transport = UpstreamTransports.make(root: root, http: http)
        timeout = config.timeout
        self.streamTimeout = max(streamTimeout, config.timeout)
    }

    /// Response headers worth passing on: the answer's type, Anthropic's `request-id` (its SDKs
    /// report it), and the `retry-after` the gateway's fallback reads (``RateLimitHint``; the proxy
    /// keeps it from clients on success). Not `x-should-retry` or `anthropic-ratelimit-*`: they
    /// speak of the gateway's key, not of the client's limits.
    static let passedHeaders: [(String, HTTPField.Name)] = [
        ("content-type", .contentType), ("request-id", HTTPField.Name("request-id")!), ("retry-after", .retryAfter),
        ("retry-after-ms", HTTPField.Name("retry-after-ms")!),
    ]

    public func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        var headers = HTTPHeaders()
        headers.reserveCapacity(8)
        if let apiKey { headers.add(name: "x-api-key", value: apiKey) }
        headers.add(name: "anthropic-version", value: request.headers[Self.version] ?? anthropicVersion)
        for beta in request.headers[values: Self.beta] { headers.add(name: "anthropic-beta", value: beta) }
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: request.accept ?? (request.stream ? "text/event-stream" : "application/json"))
        headers.add(name: "x-request-id", value: request.requestID)
        TraceHeaders.inject(into: &headers)
        let call = UpstreamCall(
            path: request.path ?? Self.messagesPath, headers: headers, body: request.body, stream: request.stream,
            timeout: request.stream ? streamTimeout : timeout)
        return try await transport.execute(call, passing: Self.passedHeaders)
    }

    /// `POST /v1/messages/count_tokens` with a Messages body (without `max_tokens`, as the API accepts it).
    public func countTokens(_ body: ByteBuffer, requestID: String, headers: HTTPFields = [:]) async throws -> UpstreamResponse {
        try await send(
            UpstreamRequest(endpoint: .chatCompletions, body: body, stream: false, requestID: requestID, path: Self.countTokensPath, headers: headers))
    }

    public func shutdown() async throws {
        try await transport.shutdown()
    }
}
