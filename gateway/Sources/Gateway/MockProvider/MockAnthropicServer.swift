import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceSupport

/// A mock of Anthropic's Messages API over HTTP, no kinder than the real one
/// (`gateway mock-upstream --anthropic`, or in-process for tests): the upstream of an `anthropic`
/// provider in tests and local runs. Answers are ``MockAnthropicMessage``'s; errors are
/// ``MockAnthropicFailure``'s envelopes with a `request-id` header, as are successful answers.
///
/// - `POST /v1/messages`: needs a key (`x-api-key`, or `Authorization: Bearer` as the Python SDK
///   2.x sends it; `apiKey` set: that one) else 401 `authentication_error`, and `anthropic-version`
///   else 400; a body with `model`, `messages`, `max_tokens` (400 `invalid_request_error`
///   otherwise) naming a listed model (404 `not_found_error`). `stream: true` streams.
/// - `POST /v1/messages/count_tokens`: `{"input_tokens": N}` (`max_tokens` not needed).
/// - `GET /v1/models`: the models in Anthropic's list shape.
/// - `GET /mock/requests`: `{"requests": N}` messages and count_tokens requests received;
///   `GET /mock/last-headers`: the `x-api-key`, `authorization`, `anthropic-version` and
///   `anthropic-beta` (comma-joined) of the last one.
public struct MockAnthropicServer: Sendable {
    public var models: [String]
    /// The only key accepted; nil accepts any non-empty key.
    public var apiKey: String?
    public var chunkDelay: Duration
    /// Wait this long before answering (to provoke timeouts).
    public var headDelay: Duration
    /// Answer every messages request with this status and Anthropic's error for it (529
    /// `overloaded_error`, 429 `rate_limit_error` with `retry-after: 5` unless `failHeaders` says otherwise).
    public var failStatus: Int?
    public var failHeaders: HTTPFields
    /// Streams: cut the connection after this many events.
    public var streamCutAfter: Int?
    /// Streams: after this many events, send `event: error` (`overloaded_error`) and end, as the API
    /// does when it fails mid-answer.
    public var streamErrorAfter: Int?

    public init(
        models: [String] = ["claude-mock"], apiKey: String? = nil, chunkDelay: Duration = .zero, headDelay: Duration = .zero,
        failStatus: Int? = nil, failHeaders: HTTPFields = [:], streamCutAfter: Int? = nil, streamErrorAfter: Int? = nil
    ) {
        self.models = models
        self.apiKey = apiKey
        self.chunkDelay = chunkDelay
        self.headDelay = headDelay
        self.failStatus = failStatus
        self.failHeaders = failHeaders
        self.streamCutAfter = streamCutAfter
        self.streamErrorAfter = streamErrorAfter
    }

    static let apiKeyHeader = HTTPField.Name("x-api-key")!
    static let versionHeader = HTTPField.Name("anthropic-version")!
    static let betaHeader = HTTPField.Name("anthropic-beta")!

    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let state = MockAnthropicState()
        let server = self
        router.post("/v1/messages") { request, _ -> Response in
            try await server.answer(request, countTokens: false, state: state)
        }
        router.post("/v1/messages/count_tokens") { request, _ -> Response in
            try await server.answer(request, countTokens: true, state: state)
        }
        router.get("/v1/models") { request, _ -> Response in
            let requestID = state.nextRequestID()
            if let refusal = server.refusal(request.headers, requestID: requestID) { return refusal }
            let data = server.models.map { id -> [String: Any] in
                ["type": "model", "id": id, "display_name": id, "created_at": "2025-01-01T00:00:00Z", "lifecycle": "active"]
            }
            let list: [String: Any] = [
                "data": data, "has_more": false, "first_id": server.models.first ?? NSNull(), "last_id": server.models.last ?? NSNull(),
            ]
            return Response(
                status: .ok, headers: [.contentType: "application/json", MockAnthropicFailure.requestID: requestID],
                body: .init(byteBuffer: MockCompletion.json(list)))
        }
        router.get("/healthz") { _, _ in HTTPResponse.Status.ok }
        router.get("/mock/requests") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"requests":\#(state.requests)}"#)))
        }
        router.get("/mock/last-body") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: state.lastBody)))
        }
        router.get("/mock/last-headers") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: MockCompletion.json(state.lastHeaders)))
        }
        return router
    }

    func error(_ status: Int, _ type: String, _ message: String, requestID: String, extra: HTTPFields = [:]) -> Response {
        let (headers, body) = MockAnthropicFailure.response(status: status, type: type, message: message, requestID: requestID, extra: extra)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: body))
    }

    /// The API's refusal of a request without a (right) key or `anthropic-version`, if any.
    func refusal(_ headers: HTTPFields, requestID: String) -> Response? {
        var key = headers[Self.apiKeyHeader]
        if key == nil, let authorization = headers[.authorization], authorization.hasPrefix("Bearer ") {
            key = String(authorization.dropFirst(7))
        }
        guard let key, !key.isEmpty else {
            return error(401, "authentication_error", "x-api-key header is required", requestID: requestID)
        }
        if let apiKey, key != apiKey { return error(401, "authentication_error", "invalid x-api-key", requestID: requestID) }
        guard let version = headers[Self.versionHeader], !version.isEmpty else {
            return error(400, "invalid_request_error", "anthropic-version: header is required", requestID: requestID)
        }
        return nil
    }

    func answer(_ request: Request, countTokens: Bool, state: MockAnthropicState) async throws -> Response {
        let requestID = state.received(request.headers)
        if headDelay > .zero { try await Task.sleep(for: headDelay) }
        let body = try await request.body.collect(upTo: 32 << 20)
        state.received(body: body)
        if let refusal = refusal(request.headers, requestID: requestID) { return refusal }
        if let failStatus {
            let model = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])?["model"] as? String
            let (type, message) = MockAnthropicFailure.problem(status: failStatus, model: model ?? "")
            var extra: HTTPFields = failStatus == 429 ? [.retryAfter: "5"] : [:]
            for field in failHeaders { extra[field.name] = field.value }
            return error(failStatus, type, message, requestID: requestID, extra: extra)
        }
        let parsed: MockAnthropicRequest
        switch MockAnthropicRequest.parse(body, countTokens: countTokens) {
        case .success(let request): parsed = request
        case .failure(let problem): return error(problem.status, problem.type, problem.message, requestID: requestID)
        }
        guard models.contains(parsed.model) else { return error(404, "not_found_error", "model: \(parsed.model)", requestID: requestID) }
        if countTokens {
            return Response(
                status: .ok, headers: [.contentType: "application/json", MockAnthropicFailure.requestID: requestID],
                body: .init(byteBuffer: MockCompletion.json(["input_tokens": parsed.totalInputTokens])))
        }
        let message = MockAnthropicMessage(parsed)
        guard parsed.stream else {
            return Response(
                status: .ok, headers: [.contentType: "application/json", MockAnthropicFailure.requestID: requestID],
                body: .init(byteBuffer: message.body))
        }
        let events = message.events
        let (delay, cutAfter, errorAfter) = (chunkDelay, streamCutAfter, streamErrorAfter)
        let stream = ResponseBody { writer in
            for (sent, event) in events.enumerated() {
                if sent == cutAfter { throw MockFailure.Cut() }
                if sent == errorAfter {
                    try await writer.write(MockAnthropicFailure.streamEvent())
                    break
                }
                if delay > .zero, sent > 0 { try await Task.sleep(for: delay) }
                try await writer.write(event)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", MockAnthropicFailure.requestID: requestID],
            body: stream)
    }

    public func buildApplication(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(
            router: buildRouter(),
            configuration: .init(address: .hostname(host, port: port), serverName: "mock-anthropic", backlog: ListenBacklog.connections),
            logger: logger)
    }
}
