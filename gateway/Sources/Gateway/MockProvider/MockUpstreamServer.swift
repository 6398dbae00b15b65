import HTTPTypes
import Hummingbird
import HummingbirdTLS
import NIOSSL
import ServiceSupport
import Logging
import NIOCore
import Synchronization

/// An OpenAI-compatible HTTP server answering like the built-in `mock` provider: the upstream of
/// integration tests, benchmarks and `scripts/run-local.sh` (`gateway mock-upstream`). Knobs make it
/// slow or failing on purpose. `GET /mock/requests` answers `{"requests": N}`: the completion,
/// completions and embeddings requests it has received; `GET /mock/last-headers` the W3C trace
/// context (`traceparent`, `tracestate`) of the last one that carried any.
public struct MockUpstreamServer: Sendable {
    public var chunkDelay: Duration
    /// Wait this long before answering (to provoke timeouts).
    public var headDelay: Duration
    /// Answer every request with this status and an OpenAI-shaped error body instead (``MockFailure``).
    public var failStatus: Int?
    /// Headers added to those failure answers (`retry-after: 7`).
    public var failHeaders: HTTPFields
    /// Streams: cut the connection after this many events (a provider failing mid-stream).
    public var streamCutAfter: Int?
    public var models: [String]
    /// Answer every request with one precomputed answer (streamed when the body asks for a
    /// stream) instead of parsing it: the fast upstream of benchmarks.
    public var canned: Bool

    public init(
        chunkDelay: Duration = .zero, headDelay: Duration = .zero, failStatus: Int? = nil, models: [String] = ["mock-echo"],
        canned: Bool = false, failHeaders: HTTPFields = [:], streamCutAfter: Int? = nil
    ) {
        self.chunkDelay = chunkDelay
        self.headDelay = headDelay
        self.failStatus = failStatus
        self.failHeaders = failHeaders
        self.streamCutAfter = streamCutAfter
        self.models = models
        self.canned = canned
    }

    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let client = MockProviderClient(chunkDelay: chunkDelay)
        let received = RequestCounter()
        let traceHeaders = LastTraceHeaders()
        let sample = ByteBuffer(
            string:
                #"{"model":"\#(models.first ?? "mock-echo")","stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello from the benchmark"}]}"#
        )
        let cannedInput = MockCompletion.parse(sample, endpoint: .chatCompletions)!
        let cannedAnswer = MockCompletion.answer(cannedInput, endpoint: .chatCompletions)
        let cannedStream = MockCompletion.events(cannedInput, endpoint: .chatCompletions).reduce(into: ByteBuffer()) { all, event in
            var event = event
            all.writeBuffer(&event)
        }
        let streamMarker = Array(#""stream":true"#.utf8)
        for endpoint in Endpoint.openAI {
            router.post("/v1\(endpoint.rawValue)") { request, _ -> Response in
                received.increment()
                traceHeaders.note(request.headers)
                if headDelay > .zero { try await Task.sleep(for: headDelay) }
                let body = try await request.body.collect(upTo: 64 << 20)
                if let failStatus {
                    var headers = failHeaders
                    headers[.contentType] = "application/json"
                    let model = MockCompletion.parse(body, endpoint: endpoint)?.model ?? "mock"
                    return Response(
                        status: .init(code: failStatus), headers: headers,
                        body: .init(byteBuffer: MockFailure.body(status: failStatus, model: model, authorization: request.headers[.authorization])))
                }
                if canned {
                    let stream = ByteSearch.withBytes(body.readableBytesView) { ByteSearch.firstIndex(of: streamMarker, in: $0) } != nil
                    return Response(
                        status: .ok, headers: [.contentType: stream ? "text/event-stream" : "application/json"],
                        body: .init(byteBuffer: stream ? cannedStream : cannedAnswer))
                }
                let answer = try await client.send(UpstreamRequest(endpoint: endpoint, body: body, stream: false, requestID: ""))
                let responseBody: ResponseBody
                switch answer.body {
                case .buffer(let buffer): responseBody = .init(byteBuffer: buffer)
                case .chunks(let stream):
                    if let streamCutAfter {
                        responseBody = ResponseBody { writer in
                            var sent = 0
                            for try await chunk in stream {
                                if sent == streamCutAfter { throw MockFailure.Cut() }
                                try await writer.write(chunk)
                                sent += 1
                            }
                            try await writer.finish(nil)
                        }
                    } else {
                        responseBody = .init(asyncSequence: stream)
                    }
                case .http(let stream): responseBody = .init(asyncSequence: stream)
                case .stream(let stream): responseBody = .init(asyncSequence: stream)
                case .translated: responseBody = .init(byteBuffer: try await answer.body.collect(upTo: 64 << 20))
                }
                return Response(status: .init(code: answer.status), headers: answer.headers, body: responseBody)
            }
        }
        let list = ModelsHandler.encode(models.sorted().map { ModelEntry(id: $0, created: 1_700_000_000, ownedBy: "mock") })
        router.get("/v1/models") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: list))
        }
        router.get("/healthz") { _, _ in HTTPResponse.Status.ok }
        router.get("/mock/last-headers") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: MockCompletion.json(traceHeaders.last)))
        }
        router.get("/mock/requests") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"requests":\#(received.count)}"#)))
        }
        return router
    }

    /// With `tls`, the mock serves HTTPS (tests of the gateway's TLS to providers).
    public func buildApplication(host: String, port: Int, logger: Logger, tls: TLSConfiguration? = nil) throws -> any ApplicationProtocol {
        let configuration = ApplicationConfiguration(
            address: .hostname(host, port: port), serverName: "mock-upstream", backlog: ListenBacklog.connections)
        guard let tls else { return Application(router: buildRouter(), configuration: configuration, logger: logger) }
        return Application(
            router: buildRouter(), server: try .tls(.http1(), tlsConfiguration: tls), configuration: configuration, logger: logger)
    }
}

/// The mock's request count, shared by its routes.
private final class RequestCounter: Sendable {
    private let value = Atomic<Int>(0)

    func increment() { value.add(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}

/// The trace context headers of the last request that carried any (for the tracing tests).
private final class LastTraceHeaders: Sendable {
    private let headers = Mutex<[String: String]>([:])
    private static let names: [HTTPField.Name] = [HTTPField.Name("traceparent")!, HTTPField.Name("tracestate")!]

    func note(_ fields: HTTPFields) {
        guard fields[Self.names[0]] != nil else { return }
        var seen: [String: String] = [:]
        for name in Self.names { if let value = fields[name] { seen[name.canonicalName] = value } }
        headers.withLock { $0 = seen }
    }

    var last: [String: String] { headers.withLock { $0 } }
}
