import Hummingbird
import Logging
import NIOCore

/// An OpenAI-compatible HTTP server answering like the built-in `mock` provider: the upstream of
/// integration tests, benchmarks and `scripts/run-local.sh` (`gateway mock-upstream`). Knobs make it
/// slow or failing on purpose.
public struct MockUpstreamServer: Sendable {
    public var chunkDelay: Duration
    /// Wait this long before answering (to provoke timeouts).
    public var headDelay: Duration
    /// Answer every request with this status and an error body instead.
    public var failStatus: Int?
    public var models: [String]
    /// Answer every request with one precomputed answer (streamed when the body asks for a
    /// stream) instead of parsing it: the fast upstream of benchmarks.
    public var canned: Bool

    public init(
        chunkDelay: Duration = .zero, headDelay: Duration = .zero, failStatus: Int? = nil, models: [String] = ["mock-echo"],
        canned: Bool = false
    ) {
        self.chunkDelay = chunkDelay
        self.headDelay = headDelay
        self.failStatus = failStatus
        self.models = models
        self.canned = canned
    }

    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let client = MockProviderClient(chunkDelay: chunkDelay)
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
        for endpoint in Endpoint.allCases {
            router.post("/v1\(endpoint.rawValue)") { request, _ -> Response in
                if headDelay > .zero { try await Task.sleep(for: headDelay) }
                if let failStatus {
                    return Response(
                        status: .init(code: failStatus), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"mock failure","type":"api_error","param":null,"code":null}}"#)))
                }
                let body = try await request.body.collect(upTo: 64 << 20)
                if canned {
                    let stream = UsageExtractor.firstIndex(of: streamMarker, in: Array(body.readableBytesView)) != nil
                    return Response(
                        status: .ok, headers: [.contentType: stream ? "text/event-stream" : "application/json"],
                        body: .init(byteBuffer: stream ? cannedStream : cannedAnswer))
                }
                let answer = try await client.send(UpstreamRequest(endpoint: endpoint, body: body, stream: false, requestID: ""))
                let responseBody: ResponseBody
                switch answer.body {
                case .buffer(let buffer): responseBody = .init(byteBuffer: buffer)
                case .chunks(let stream): responseBody = .init(asyncSequence: stream)
                case .http(let stream): responseBody = .init(asyncSequence: stream)
                }
                return Response(status: .init(code: answer.status), headers: answer.headers, body: responseBody)
            }
        }
        let list = ModelsHandler.encode(models.sorted().map { ModelEntry(id: $0, created: 1_700_000_000, ownedBy: "mock") })
        router.get("/v1/models") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: list))
        }
        router.get("/healthz") { _, _ in HTTPResponse.Status.ok }
        return router
    }

    public func buildApplication(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(
            router: buildRouter(), configuration: .init(address: .hostname(host, port: port), serverName: "mock-upstream"),
            logger: logger)
    }
}
