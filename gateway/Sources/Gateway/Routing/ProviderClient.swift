import ServiceSupport
import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore

/// The endpoints the gateway proxies: OpenAI's, and Anthropic's Messages API.
public enum Endpoint: String, Sendable, CaseIterable {
    case chatCompletions = "/chat/completions"
    case completions = "/completions"
    case embeddings = "/embeddings"
    /// Anthropic's `POST /v1/messages`.
    case messages = "/messages"

    /// OpenAI's endpoints (an OpenAI-compatible provider serves these).
    public static let openAI: [Endpoint] = [.chatCompletions, .completions, .embeddings]

    /// The API whose shapes the endpoint's bodies, answers and errors have.
    public var dialect: APIDialect { self == .messages ? .anthropic : .openAI }
}

/// The two APIs the gateway speaks to clients and providers.
public enum APIDialect: Sendable {
    case openAI
    case anthropic
}

/// One call to an upstream provider. The body is the client's, byte for byte (or, for a provider
/// of another API, already translated into that API's shape).
public struct UpstreamRequest: Sendable {
    public var endpoint: Endpoint
    public var body: ByteBuffer
    public var stream: Bool
    public var requestID: String
    public var accept: String?
    /// The path below the provider's `/v1` root when it is not the endpoint's own: a native API's
    /// (``AnthropicProviderClient/countTokensPath``). OpenAI-compatible providers ignore it.
    public var path: String?
    /// Client headers a provider of that API passes on as sent (``AnthropicProviderClient/passedRequestHeaders``:
    /// `anthropic-version`, `anthropic-beta`). OpenAI-compatible providers ignore them.
    public var headers: HTTPFields

    public init(
        endpoint: Endpoint, body: ByteBuffer, stream: Bool, requestID: String, accept: String? = nil, path: String? = nil,
        headers: HTTPFields = [:]
    ) {
        self.endpoint = endpoint
        self.body = body
        self.stream = stream
        self.requestID = requestID
        self.accept = accept
        self.path = path
        self.headers = headers
    }
}

/// An upstream's answer: status and the few headers worth passing on; the body arrives as it comes.
public struct UpstreamResponse: Sendable {
    public var status: Int
    public var headers: HTTPFields
    public var body: UpstreamBody
    /// The connection lease this answer arrived on (pool accounting and the per-host slot); kept
    /// until the body has been relayed, released when the answer is dropped.
    public var lease: (any UpstreamLease)?

    public init(status: Int, headers: HTTPFields, body: UpstreamBody, lease: (any UpstreamLease)? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.lease = lease
    }

    /// How long the request waited for a connection slot (zero without `GATEWAY_HTTP_MAX_CONNS_PER_HOST`).
    public var poolWait: Duration { lease?.waited ?? .zero }
}

/// The body of an upstream answer, without type erasure on the hot path.
public enum UpstreamBody: Sendable {
    case buffer(ByteBuffer)
    case http(HTTPClientResponse.Body)
    case chunks(AsyncThrowingStream<ByteBuffer, any Error>)
    /// A stream read from a SwiftNIO upstream connection with backpressure (``NIOUpstreamTransport``).
    case stream(UpstreamBodyStream)
    /// A provider's stream in another API, translated into the client's as it arrives (``DialectBridge``).
    indirect case translated(UpstreamBody, StreamTranslation)

    /// Calls `body` with each chunk, in order, as it arrives.
    func forEach(_ body: (ByteBuffer) async throws -> Void) async throws {
        switch self {
        case .buffer(let buffer): try await body(buffer)
        case .http(let stream): for try await chunk in stream { try await body(chunk) }
        case .chunks(let stream): for try await chunk in stream { try await body(chunk) }
        case .stream(let stream): for try await chunk in stream { try await body(chunk) }
        case .translated(let upstream, var translation):
            try await upstream.forEach { chunk in
                let translated = translation.feed(chunk)
                if translated.readableBytes > 0 { try await body(translated) }
            }
            let rest = translation.finish()
            if rest.readableBytes > 0 { try await body(rest) }
        }
    }

    /// The whole body, up to `limit` bytes.
    func collect(upTo limit: Int) async throws -> ByteBuffer {
        switch self {
        case .buffer(let buffer): return buffer
        case .http(let stream): return try await stream.collect(upTo: limit)
        case .chunks, .stream, .translated:
            var all = ByteBuffer()
            try await forEach { chunk in
                var chunk = chunk
                guard all.readableBytes + chunk.readableBytes <= limit else { throw UpstreamError.invalidResponse }
                all.writeBuffer(&chunk)
            }
            return all
        }
    }
}

/// Why an upstream call failed before it produced an answer.
public enum UpstreamError: Error, Sendable, Equatable {
    case timeout
    case connection(String)
    case invalidResponse
    /// No connection slot freed up within `GATEWAY_HTTP_POOL_WAIT` under `GATEWAY_HTTP_MAX_CONNS_PER_HOST`
    /// (or the wait queue was full). The provider is healthy: not a failure for routing.
    case busy
    /// This process ran out of file descriptors opening the connection. Not the provider's fault either.
    case outOfFileDescriptors
}

/// The seam between the gateway and an LLM provider.
public protocol ProviderClient: Sendable {
    func send(_ request: UpstreamRequest) async throws -> UpstreamResponse
    /// Releases pooled connections (called once at shutdown).
    func shutdown() async throws
}
