import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TokenProtocol
import ServiceSupport
import Tracing

/// `POST /v1/chat/completions`, `/v1/completions`, `/v1/embeddings` (and `/api/v1/*`), behind the
/// audit, auth and limits stages: body checks, then the providers serving the model in strategy
/// order until one answers. What it learns (model, attempts, usage) goes on the request's
/// ``AuditTrail``.
///
/// Fallback happens only before any byte reached the client, on a connection error, a timeout or a
/// status of ``FallbackPolicy`` (the provider's own condition: 429, 401/403 to our key, 408, 5xx);
/// providers rate limited or out are left out (``ProviderCooldown``). Other upstream answers (the
/// request's own 400, 404, 413, 422) pass through unchanged. Non-streaming bodies pass through byte
/// for byte; streams are relayed chunk by chunk as they arrive, and a provider failing mid-stream
/// ends the stream with an error event, never with a second provider's answer.
struct ProxyHandler: Sendable {
    let registry: ProviderRegistry
    let metrics: GatewayMetrics
    let maxBodyBytes: Int
    let clock: any WallClock
    var fallback = FallbackPolicy()
    /// Price requests and ask streams for their usage (GATEWAY_USAGE_ACCOUNTING).
    var usageAccounting = true
    /// Budgets (tokens with `max_budget_usd`): the worst case reserved before a request is sent.
    var budget: BudgetGate?
    let logger: Logger

    static let maxUpstreamBody = 64 << 20

    /// What one request has learnt of its providers so far; it goes on the audit trail as the
    /// handler returns (a stream's usage and final status follow at its end).
    struct Exchange: Sendable {
        let trail: AuditTrail
        let requestID: String
        var model: String?
        var provider: String?
        var attempts = 0
        var attemptLog: String?
        var upstreamWait: Duration = .zero
        /// The client's body size, for a usage estimate.
        var requestBytes = 0
        /// The stream was asked for its usage by the gateway, not the client (``StreamUsage``).
        var usageInjected = false
        /// The client's API: the shape of the answer whose usage is read, and of a stream's error event.
        var dialect = APIDialect.openAI
        /// The serving provider's price for the model (accounting on); the usage of a whole answer;
        /// whether the answer is a stream. Written to the trail with the rest.
        var price: ModelPrice?
        var usage: Usage?
        var streaming = false

        var started: ContinuousClock.Instant { trail.started }

        /// Adds `provider:outcome` to the audit record's attempt log.
        mutating func log(_ provider: Provider, _ outcome: String) {
            let entry = provider.name + ":" + outcome
            attemptLog = attemptLog.map { $0 + " " + entry } ?? entry
        }

        func write() {
            trail.update(price: price, usage: usage, streaming: streaming) { record in
                record.model = model
                record.provider = provider
                record.attempts = attempts
                record.attemptLog = attemptLog
            }
        }
    }

    func handle(_ request: Request, context: AuthenticatedRequestContext, endpoint: Endpoint) async throws -> Response {
        var exchange = Exchange(trail: context.audit, requestID: context.requestID)
        defer { exchange.write() }
        var response = try await proxy(request, claims: context.claims, endpoint: endpoint, exchange: &exchange)
        // Anthropic's SDKs report the `request-id` header; a translated answer has none of its own.
        if endpoint.dialect == .anthropic, response.headers[AnthropicErrorResponse.requestIDHeader] == nil {
            response.headers[AnthropicErrorResponse.requestIDHeader] = context.requestID
        }
        return response
    }

    private func proxy(
        _ request: Request, claims: TokenClaims, endpoint: Endpoint, exchange: inout Exchange
    ) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw OpenAIError.tooLarge(maxBodyBytes)
        } catch {
            throw OpenAIError.invalidRequest("The request body ended before its announced length.", code: "incomplete_body")
        }
        let probe = try RequestProbe.parse(body, dialect: endpoint.dialect)
        exchange.model = probe.model
        guard claims.allows(model: probe.model) else { throw OpenAIError.modelNotAllowed(probe.model) }
        let served = registry.candidates(for: probe.model)
        guard !served.isEmpty else { throw OpenAIError.modelNotFound(probe.model) }
        // Only an `anthropic` provider leaves out some endpoints: no filtered copy when all serve it.
        let candidates =
            served.allSatisfy { DialectBridge.serves($0.config.kind, endpoint) }
            ? served : served.filter { DialectBridge.serves($0.config.kind, endpoint) }
        guard !candidates.isEmpty else {
            throw OpenAIError.invalidRequest(
                "The model '\(probe.model)' is served through Anthropic's Messages API, which has no \(endpoint.rawValue) endpoint; use /v1/chat/completions or /v1/messages.",
                param: "model", code: "unsupported_endpoint")
        }

        exchange.requestBytes = body.readableBytes
        exchange.dialect = endpoint.dialect
        var upstreamBody = body
        if claims.policy.maxBudget != nil {
            // Fail closed: a gateway that cannot count spend (accounting off) serves no budgeted token.
            guard let budget else { throw OpenAIError.budgetUnavailable() }
            let trail = exchange.trail
            upstreamBody = try await withStageSpan("gateway.budget.reserve") { _ in
                try await budget.reserve(claims: claims, probe: probe, body: body, endpoint: endpoint, candidates: candidates, trail: trail)
            }
        }
        if usageAccounting, endpoint == .chatCompletions || endpoint == .completions,
            let withUsage = StreamUsage.upstreamBody(upstreamBody, probe: probe)
        {
            upstreamBody = withUsage
            exchange.usageInjected = true
        }
        let now = registry.clock.now()
        var crossings = DialectCrossings(
            endpoint: endpoint, body: upstreamBody, probe: probe, requestID: exchange.requestID, clientHeaders: request.headers,
            includeUsage: exchange.usageInjected || probe.includeUsage, now: now, logger: logger)
        let plan = fallback.plan(candidates, model: probe.model, now: now)
        // The routing span: the providers tried in order, each call a child span of its own.
        let routing = startStageSpan("gateway.route")
        defer { routing.end() }
        routing.updateAttributesIfRecording { attributes in
            attributes["ljq.route.candidates"] = candidates.count
            attributes["ljq.route.skipped"] = plan.skipped.count
        }
        var refusals = ProviderRefusals()
        for skip in plan.skipped { skipped(skip, refusals: &refusals, exchange: exchange) }
        for provider in plan.attempts {
            if let previous = refusals.lastReason, exchange.attempts > 0 { metrics.fallbacks[previous]?.increment() }
            exchange.attempts += 1
            exchange.provider = provider.name
            routing.updateAttributesIfRecording { attributes in
                attributes["ljq.route.provider"] = provider.name
                attributes["ljq.route.attempts"] = exchange.attempts
                attributes["ljq.route.fallback"] = exchange.attempts > 1
            }
            let attemptStart = ContinuousClock.now
            let (upstreamRequest, bridge) = try crossings.request(for: provider.config.kind)
            let call = ProviderCallSpan.start(
                provider: provider, endpoint: endpoint, model: probe.model, attempt: exchange.attempts, parent: routing.context)
            do {
                let upstream: UpstreamResponse
                do {
                    // The call's span is the current context: the `traceparent` sent to the
                    // provider names it.
                    upstream = try await ServiceContext.$current.withValue(call.span.context) {
                        try await provider.client.send(upstreamRequest)
                    }
                } catch {
                    call.failed(Self.failureType(error), error: error)
                    throw error
                }
                call.answered(status: upstream.status)
                metrics.recordPoolWait(provider: provider.name, nanoseconds: upstream.poolWait.nanoseconds)
                if let reason = fallback.reason(forStatus: upstream.status) {
                    call.failed(reason.rawValue)
                    let errorBody = (try? await upstream.body.collect(upTo: 1 << 16)) ?? ByteBuffer()
                    refused(
                        provider, reason: reason, upstream: upstream, body: errorBody, model: probe.model, since: attemptStart,
                        refusals: &refusals, exchange: &exchange)
                    continue
                }
                if probe.stream, (200..<300).contains(upstream.status) {
                    // The answer keeps its connection lease (pool accounting, the per-host slot)
                    // until its last byte was relayed: `stream` holds `upstream` to the end.
                    succeeded(provider, since: attemptStart, exchange: &exchange)
                    if usageAccounting { exchange.price = provider.price(for: probe.model) }
                    exchange.streaming = true
                    var translated = upstream
                    translated.body = bridge.stream(upstream.body)
                    return stream(translated, provider: provider, exchange: exchange, call: call)
                }
                let bytes: ByteBuffer
                do {
                    bytes = try await upstream.body.collect(upTo: Self.maxUpstreamBody)
                } catch {
                    call.failed(Self.failureType(error), error: error)
                    throw error
                }
                let (status, body) = bridge.answer(status: upstream.status, body: bytes)
                succeeded(provider, status: status, since: attemptStart, exchange: &exchange)
                if usageAccounting { exchange.price = provider.price(for: probe.model) }
                var answered = upstream
                answered.status = status
                let response = complete(answered, body: body, exchange: &exchange)
                call.finished(usage: exchange.usage, bytes: [body.readableBytesView], status: status)
                return response
            } catch let error as OpenAIError {
                // The gateway's own answer about this call (not the provider's): no fallback.
                throw error
            } catch UpstreamError.busy {
                // The operator's connection cap stayed full: the provider is healthy, so this is no
                // failure for routing; another provider of the model may still have room.
                metrics.recordPoolBusy(provider: provider.name, reason: "pool_wait")
                exchange.upstreamWait += ContinuousClock.now - attemptStart
                exchange.log(provider, "busy")
                refusals.busy(problem: "\(provider.name) has no free connection")
            } catch UpstreamError.outOfFileDescriptors {
                metrics.recordPoolBusy(provider: provider.name, reason: "file_descriptors")
                exchange.upstreamWait += ContinuousClock.now - attemptStart
                exchange.log(provider, "no_file_descriptor")
                logger.error(
                    "out of file descriptors opening a provider connection",
                    metadata: ["provider": "\(provider.name)", "open_files_limit": "\(OpenFileLimit.current()?.description ?? "?")"])
                refusals.busy(problem: "the gateway has no free file descriptor")
            } catch is CancellationError {
                throw CancellationError()  // the client left while the request waited: not the provider's doing
            } catch UpstreamError.timeout {
                failed(provider, reason: .timeout, since: attemptStart, exchange: &exchange)
                refusals.failed(.timeout, problem: "\(provider.name) timed out")
            } catch {
                failed(provider, reason: .connectionError, since: attemptStart, exchange: &exchange)
                refusals.failed(.connectionError, problem: "\(provider.name) could not be reached")
                logger.warning(
                    "upstream call failed",
                    metadata: ["request.id": "\(exchange.requestID)", "provider": "\(provider.name)", "error": "\(error)"])
            }
        }
        let failure = refusals.error(model: probe.model, attempts: exchange.attempts)
        routing.recordError(failure)
        routing.setStatus(SpanStatus(code: .error, message: "no provider answered"))
        throw failure
    }

    /// The `error.type` of a provider call that produced no answer.
    static func failureType(_ error: any Error) -> String {
        switch error {
        case UpstreamError.timeout: "timeout"
        case UpstreamError.busy: "pool_busy"
        case UpstreamError.outOfFileDescriptors: "file_descriptors"
        case is CancellationError: "cancelled"
        default: "connection_error"
        }
    }

    /// A provider left out because it is rate limited or out: counted among the refusals, and an
    /// out provider's error logged again at most once a minute.
    private func skipped(_ skip: FallbackPolicy.Skip, refusals: inout ProviderRefusals, exchange: Exchange) {
        let now = registry.clock.now()
        switch skip.availability {
        case .rateLimited(let until):
            refusals.rateLimited(skip.provider.name, seconds: until - now, tried: false)
        case .out(let outage):
            refusals.credentialsRejected(skip.provider.name, status: outage.status, tried: false)
            if skip.provider.cooldown.shouldRemind(now: now) { logRejectedKey(skip.provider, status: outage.status, exchange: exchange) }
        case .available:
            break
        }
    }

    /// A listed status: the provider cools down (429) or goes out (401/403) or counts a failure,
    /// and the request moves on.
    private func refused(
        _ provider: Provider, reason: FallbackPolicy.Reason, upstream: UpstreamResponse, body: ByteBuffer, model: String,
        since start: ContinuousClock.Instant, refusals: inout ProviderRefusals, exchange: inout Exchange
    ) {
        let now = registry.clock.now()
        switch reason {
        case .rateLimited:
            let hint = RateLimitHint.from(headers: upstream.headers, body: body, model: model, now: now)
            provider.cooldown.rateLimit(hint.scope, until: now + hint.seconds)
            refusals.rateLimited(provider.name, seconds: hint.seconds, tried: true)
            logger.notice(
                "provider rate limited; cooling it down",
                metadata: [
                    "request.id": "\(exchange.requestID)", "provider": "\(provider.name)",
                    "cooldown.seconds": "\(hint.seconds)", "cooldown.scope": "\(hint.scope)",
                ])
        case .credentialsRejected:
            refusals.credentialsRejected(provider.name, status: upstream.status, tried: true)
            if provider.cooldown.rejectCredentials(status: upstream.status, now: now) {
                logRejectedKey(provider, status: upstream.status, exchange: exchange)
            }
        case .serverError, .timeout, .connectionError:
            refusals.failed(reason, problem: "\(provider.name) answered \(upstream.status)")
        }
        let elapsed = ContinuousClock.now - start
        exchange.upstreamWait += elapsed
        if reason == .serverError { provider.stats.recordFailure(now: clock.now(), latency: elapsed.inSeconds) }
        exchange.log(provider, String(upstream.status))
        metrics.recordUpstream(provider: provider.name, outcome: "status_\(upstream.status)", nanoseconds: elapsed.nanoseconds)
        metrics.recordAttempt(provider: provider.name, outcome: reason.rawValue)
    }

    /// Never the provider's message: it can quote part of the key.
    private func logRejectedKey(_ provider: Provider, status: Int, exchange: Exchange) {
        logger.error(
            "provider rejected the gateway's API key; it is out until the key is fixed (config reload or restart)",
            metadata: ["request.id": "\(exchange.requestID)", "provider": "\(provider.name)", "upstream.status": "\(status)"])
    }

    /// An answer for the client: a success, or an error that is the request's own (passed through).
    private func succeeded(_ provider: Provider, status: Int = 200, since start: ContinuousClock.Instant, exchange: inout Exchange) {
        let elapsed = ContinuousClock.now - start
        exchange.upstreamWait += elapsed
        provider.stats.recordSuccess(latency: elapsed.inSeconds)
        exchange.log(provider, String(status))
        metrics.recordUpstream(provider: provider.name, outcome: "ok", nanoseconds: elapsed.nanoseconds)
        metrics.recordAttempt(provider: provider.name, outcome: (200..<400).contains(status) ? "ok" : "passed_through")
    }

    private func failed(
        _ provider: Provider, reason: FallbackPolicy.Reason, since start: ContinuousClock.Instant, exchange: inout Exchange
    ) {
        let elapsed = ContinuousClock.now - start
        exchange.upstreamWait += elapsed
        provider.stats.recordFailure(now: clock.now(), latency: elapsed.inSeconds)
        exchange.log(provider, reason == .timeout ? "timeout" : "error")
        metrics.recordUpstream(provider: provider.name, outcome: reason == .timeout ? "timeout" : "error", nanoseconds: elapsed.nanoseconds)
        metrics.recordAttempt(provider: provider.name, outcome: reason.rawValue)
    }

    /// A whole upstream answer, passed through byte for byte, as one buffer: the server then writes
    /// head and body in one batched write (one syscall and one wake-up of the client instead of
    /// two). The audit record is written as the answer is handed to the connection: a client
    /// leaving after that point cannot be told apart from one that read it, unlike a stream (499).
    private func complete(_ upstream: UpstreamResponse, body: ByteBuffer, exchange: inout Exchange) -> Response {
        let status = upstream.status
        let headers = Self.clientHeaders(upstream.headers, status: status)
        metrics.overhead.recordNanoseconds((ContinuousClock.now - exchange.started - exchange.upstreamWait).nanoseconds)
        if (200..<300).contains(status) {
            let reported =
                exchange.dialect == .anthropic
                ? AnthropicUsageExtractor.extract(body.readableBytesView) : UsageExtractor.extract(body.readableBytesView)
            exchange.usage = reported ?? UsageEstimate.answer(requestBytes: exchange.requestBytes, answerBytes: body.readableBytes)
        }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: body))
    }

    /// The provider's rate-limit hints are for the gateway; a client sees the gateway's own
    /// `x-ratelimit-*` headers. An error passed through keeps its `Retry-After`.
    static func clientHeaders(_ upstream: HTTPFields, status: Int) -> HTTPFields {
        var headers = upstream
        for name in RateLimitHint.headerNames where (200..<300).contains(status) || name != .retryAfter {
            headers[name] = nil
        }
        return headers
    }

    /// The client's write failed: it went away.
    struct ClientGone: Error {
        var underlying: any Error
    }

    /// A server-sent event stream, relayed chunk by chunk. If the client goes away, the write
    /// fails, the upstream body is dropped (which cancels the upstream request) and the audit
    /// record keeps what was known (499). If the provider fails mid-stream, the stream ends with
    /// one `data: {"error": ...}` event (which the OpenAI SDKs raise as an APIError; for an
    /// Anthropic client an `event: error`, which its SDKs raise) and the audit record says 502:
    /// the answer is never continued from another provider.
    private func stream(_ upstream: UpstreamResponse, provider: Provider, exchange: Exchange, call: ProviderCallSpan) -> Response {
        var headers = Self.clientHeaders(upstream.headers, status: upstream.status)
        headers[.contentType] = upstream.headers[.contentType] ?? "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[.init("X-Accel-Buffering")!] = "no"
        let status = upstream.status
        metrics.overhead.recordNanoseconds((ContinuousClock.now - exchange.started - exchange.upstreamWait).nanoseconds)
        let trail = exchange.trail
        let requestBytes = exchange.requestBytes
        let anthropic = exchange.dialect == .anthropic
        /// The stream's end: its usage (the usage chunk, or Anthropic's message_start and
        /// message_delta, else an estimate), and the record written.
        @Sendable func finish(status: Int, head: StreamHead, tail: StreamTail, filter: StreamUsageFilter?, chunks: Int) {
            let reported =
                anthropic
                ? AnthropicUsageExtractor.extract(head: head.bytes, tail: tail.bytes)
                : filter.map { $0.usageEvent.flatMap(UsageExtractor.extract) } ?? UsageExtractor.extract(tail.bytes)
            let usage = reported ?? UsageEstimate.stream(requestBytes: requestBytes, relayedChunks: chunks)
            call.finished(usage: usage, bytes: [head.bytes, tail.bytes], status: status)
            trail.finish(status: status, usage: usage)
        }
        let injected = exchange.usageInjected
        let body = ResponseBody { [self] writer in
            var head = StreamHead(keeping: anthropic ? StreamHead.capacity : 0)
            var tail = StreamTail()
            var filter = injected ? StreamUsageFilter() : nil
            var chunks = 0
            var first = true
            /// Relays `bytes`; a failed write means the client went away.
            func relay(_ bytes: ByteBuffer) async throws {
                guard bytes.readableBytes > 0 else { return }
                head.append(bytes.readableBytesView)
                tail.append(bytes.readableBytesView)
                do {
                    try await writer.write(bytes)
                } catch {
                    throw ClientGone(underlying: error)
                }
            }
            do {
                try await upstream.body.forEach { chunk in
                    if first {
                        first = false
                        let elapsed = ContinuousClock.now - exchange.started
                        metrics.timeToFirstToken.recordNanoseconds(elapsed.nanoseconds)
                        call.firstByte(after: elapsed)
                    }
                    chunks += 1
                    try await relay(filter?.filter(chunk) ?? chunk)
                }
                if let rest = filter?.finish() { try await relay(rest) }
            } catch let gone as ClientGone {
                // 499: the client closed the request (nginx's convention); the audit keeps partial usage.
                finish(status: 499, head: head, tail: tail, filter: filter, chunks: chunks)
                throw gone.underlying
            } catch {
                provider.stats.recordFailure(now: clock.now(), latency: 0)
                metrics.recordStreamError(provider: provider.name)
                logger.warning(
                    "provider failed mid-stream; ending the stream with an error event",
                    metadata: ["request.id": "\(exchange.requestID)", "provider": "\(provider.name)", "error": "\(error)"])
                if let rest = filter?.finish() {
                    tail.append(rest.readableBytesView)
                    try await writer.write(rest)
                }
                finish(status: 502, head: head, tail: tail, filter: filter, chunks: chunks)
                // A partial event the provider left open is closed first.
                let atBoundary = tail.bytes.isEmpty || tail.bytes.suffix(2).elementsEqual([10, 10])
                var event = ByteBuffer(string: atBoundary ? "" : "\n\n")
                let failure = OpenAIError.upstreamStreamFailed(provider.name)
                if anthropic {
                    AnthropicStreamEvent.error(.init(type: "api_error", message: failure.message)).write(to: &event)
                } else {
                    var payload = failure.body
                    event.writeString("data: ")
                    event.writeBuffer(&payload)
                    event.writeString("\n\n")
                }
                try await writer.write(event)
                try await writer.finish(nil)
                return
            }
            // The connection lease (pool accounting, the per-host slot) lives until here.
            withExtendedLifetime(upstream.lease) {}
            do {
                try await writer.finish(nil)
            } catch {
                finish(status: 499, head: head, tail: tail, filter: filter, chunks: chunks)
                throw error
            }
            finish(status: status, head: head, tail: tail, filter: filter, chunks: chunks)
        }
        // The relay runs after the handler returned, outside its task-local context: with tracing
        // on, it runs in the provider call's, so its log lines carry the trace and span ids.
        guard ServiceContext.current != nil else { return Response(status: .init(code: status), headers: headers, body: body) }
        let context = call.span.context
        return Response(
            status: .init(code: status), headers: headers,
            body: ResponseBody { writer in try await ServiceContext.$current.withValue(context) { try await body.write(writer) } })
    }

}
