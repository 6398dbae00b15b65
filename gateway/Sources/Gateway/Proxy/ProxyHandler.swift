import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TokenProtocol
import TokenRuntime

/// `POST /v1/chat/completions`, `/v1/completions`, `/v1/embeddings` (and `/api/v1/*`): auth, rate
/// limit, body checks, then the providers serving the model in strategy order until one answers.
///
/// Fallback happens only before any byte reached the client: on a connection error, a timeout or a
/// 5xx. Upstream 4xx answers are the client's problem and pass through unchanged. Non-streaming
/// bodies pass through byte for byte; streams are relayed chunk by chunk as they arrive.
struct ProxyHandler: Sendable {
    let authenticator: RequestAuthenticator
    let registry: ProviderRegistry
    let rateLimiter: RateLimiter
    let defaultLimits: RateLimiter.Limits
    let audit: any AuditSink
    let metrics: GatewayMetrics
    let maxBodyBytes: Int
    let clock: any WallClock
    let logger: Logger

    static let maxUpstreamBody = 64 << 20

    /// What one request has gathered so far, for its audit record and its headers.
    struct Exchange: Sendable {
        var record: AuditRecord
        var started: ContinuousClock.Instant
        var upstreamWait: Duration = .zero
        var rateHeaders = HTTPFields()
        var limits = RateLimiter.Limits(requestsPerMinute: 0, tokensPerMinute: 0)
    }

    func handle(_ request: Request, context: GatewayRequestContext, endpoint: Endpoint) async -> Response {
        var exchange = Exchange(
            record: AuditRecord(
                time: clock.now(), requestID: context.requestID, route: context.endpointPath ?? request.uri.path,
                status: 0, latencyMs: 0, clientAddress: context.clientAddress),
            started: .now)
        do {
            return try await proxy(request, endpoint: endpoint, exchange: &exchange)
        } catch {
            let failure = OpenAIError.from(error)
            var headers = failure.headers
            headers.append(contentsOf: exchange.rateHeaders)
            var failed = failure
            failed.headers = headers
            finish(exchange, status: Int(failure.status.code), usage: nil)
            return Response(
                status: failure.status, headers: headers.merging(contentType: "application/json"),
                body: .init(byteBuffer: failed.body))
        }
    }

    private func proxy(_ request: Request, endpoint: Endpoint, exchange: inout Exchange) async throws -> Response {
        let claims = try await authenticator.authenticate(request, clientAddress: exchange.record.clientAddress)
        exchange.record.tokenID = claims.jti
        exchange.record.subject = claims.subject

        let limits = RateLimiter.Limits(
            requestsPerMinute: claims.rateLimitRPM.flatMap { $0 > 0 ? $0 : nil } ?? defaultLimits.requestsPerMinute,
            tokensPerMinute: claims.rateLimitTPM.flatMap { $0 > 0 ? $0 : nil } ?? defaultLimits.tokensPerMinute)
        exchange.limits = limits
        if limits.requestsPerMinute > 0 || limits.tokensPerMinute > 0 {
            let decision = rateLimiter.acquire(claims.jti, limits: limits)
            decision.apply(to: &exchange.rateHeaders)
            guard decision.allowed else {
                metrics.rateLimited.increment()
                let retry = max(1, Int(decision.retryAfter.rounded(.up)))
                throw OpenAIError(
                    .tooManyRequests,
                    "Rate limit reached for \(decision.exceeded ?? "requests") per minute: limit \(decision.exceeded == "tokens" ? limits.tokensPerMinute : limits.requestsPerMinute). Please try again in \(retry)s.",
                    type: decision.exceeded ?? "requests", code: "rate_limit_exceeded", headers: [.retryAfter: String(retry)])
            }
        }

        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw OpenAIError.tooLarge(maxBodyBytes)
        } catch {
            throw OpenAIError.invalidRequest("The request body ended before its announced length.", code: "incomplete_body")
        }
        let probe = try RequestProbe.parse(body)
        exchange.record.model = probe.model
        guard claims.allows(model: probe.model) else { throw OpenAIError.modelNotAllowed(probe.model) }
        let candidates = registry.candidates(for: probe.model)
        guard !candidates.isEmpty else { throw OpenAIError.modelNotFound(probe.model) }

        let upstreamRequest = UpstreamRequest(
            endpoint: endpoint, body: body, stream: probe.stream, requestID: exchange.record.requestID,
            accept: request.headers[.accept])
        var timedOut = false
        var busy = false
        var lastProblem = ""
        for provider in candidates {
            exchange.record.attempts += 1
            exchange.record.provider = provider.name
            let attemptStart = ContinuousClock.now
            do {
                let upstream = try await provider.client.send(upstreamRequest)
                metrics.recordPoolWait(provider: provider.name, nanoseconds: upstream.poolWait.nanoseconds)
                if upstream.status >= 500 {
                    _ = try? await upstream.body.collect(upTo: 1 << 16)
                    failed(provider, outcome: "status_\(upstream.status)", since: attemptStart, exchange: &exchange)
                    lastProblem = "\(provider.name) answered \(upstream.status)"
                    timedOut = false
                    continue
                }
                if probe.stream, (200..<300).contains(upstream.status) {
                    succeeded(provider, since: attemptStart, exchange: &exchange)
                    return stream(upstream, exchange: exchange)
                }
                let bytes = try await upstream.body.collect(upTo: Self.maxUpstreamBody)
                succeeded(provider, since: attemptStart, exchange: &exchange)
                return complete(upstream, body: bytes, exchange: exchange)
            } catch UpstreamError.busy {
                // The operator's connection cap is full: the provider is healthy, so this is no
                // failure for routing; another provider of the model may still have room.
                metrics.recordPoolBusy(provider: provider.name, reason: "pool_wait")
                exchange.upstreamWait += ContinuousClock.now - attemptStart
                lastProblem = "\(provider.name) has no free connection"
                busy = true
                timedOut = false
            } catch UpstreamError.outOfFileDescriptors {
                metrics.recordPoolBusy(provider: provider.name, reason: "file_descriptors")
                exchange.upstreamWait += ContinuousClock.now - attemptStart
                logger.error(
                    "out of file descriptors opening a provider connection",
                    metadata: ["provider": "\(provider.name)", "open_files_limit": "\(OpenFileLimit.current()?.description ?? "?")"])
                lastProblem = "the gateway has no free file descriptor"
                busy = true
                timedOut = false
            } catch is CancellationError {
                throw CancellationError()  // the client left while the request waited: not the provider's doing
            } catch UpstreamError.timeout {
                failed(provider, outcome: "timeout", since: attemptStart, exchange: &exchange)
                lastProblem = "\(provider.name) timed out"
                timedOut = true
                busy = false
            } catch {
                failed(provider, outcome: "error", since: attemptStart, exchange: &exchange)
                lastProblem = "\(provider.name) could not be reached"
                timedOut = false
                busy = false
                logger.warning(
                    "upstream call failed",
                    metadata: ["request.id": "\(exchange.record.requestID)", "provider": "\(provider.name)", "error": "\(error)"])
            }
        }
        let message = "No provider could answer for model '\(probe.model)' after \(exchange.record.attempts) attempt(s); last: \(lastProblem)."
        if busy { throw OpenAIError.upstreamBusy(message) }
        throw timedOut ? OpenAIError.upstreamTimeout(message) : OpenAIError.upstreamFailed(message)
    }

    private func succeeded(_ provider: Provider, since start: ContinuousClock.Instant, exchange: inout Exchange) {
        let elapsed = ContinuousClock.now - start
        exchange.upstreamWait += elapsed
        provider.stats.recordSuccess(latency: elapsed.inSeconds)
        metrics.recordUpstream(provider: provider.name, outcome: "ok", nanoseconds: elapsed.nanoseconds)
    }

    private func failed(_ provider: Provider, outcome: String, since start: ContinuousClock.Instant, exchange: inout Exchange) {
        let elapsed = ContinuousClock.now - start
        exchange.upstreamWait += elapsed
        provider.stats.recordFailure(now: clock.now(), latency: elapsed.inSeconds)
        metrics.recordUpstream(provider: provider.name, outcome: outcome, nanoseconds: elapsed.nanoseconds)
    }

    /// A whole upstream answer, passed through byte for byte, as one buffer: the server then writes
    /// head and body in one batched write (one syscall and one wake-up of the client instead of
    /// two). The audit record is written as the answer is handed to the connection: a client
    /// leaving after that point cannot be told apart from one that read it, unlike a stream (499).
    private func complete(_ upstream: UpstreamResponse, body: ByteBuffer, exchange: Exchange) -> Response {
        var headers = upstream.headers
        headers.append(contentsOf: exchange.rateHeaders)
        metrics.overhead.recordNanoseconds((ContinuousClock.now - exchange.started - exchange.upstreamWait).nanoseconds)
        let status = upstream.status
        let usage = (200..<300).contains(status) ? UsageExtractor.extract(body.readableBytesView) : nil
        finish(exchange, status: status, usage: usage)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: body))
    }

    /// A server-sent event stream, relayed chunk by chunk. If the client goes away, the write
    /// fails, the upstream body is dropped (which cancels the upstream request) and the audit
    /// record keeps what was known.
    private func stream(_ upstream: UpstreamResponse, exchange: Exchange) -> Response {
        var headers = upstream.headers
        headers[.contentType] = upstream.headers[.contentType] ?? "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[.init("X-Accel-Buffering")!] = "no"
        headers.append(contentsOf: exchange.rateHeaders)
        let status = upstream.status
        metrics.overhead.recordNanoseconds((ContinuousClock.now - exchange.started - exchange.upstreamWait).nanoseconds)
        let body = ResponseBody { [self] writer in
            var tail = StreamTail()
            var first = true
            do {
                try await upstream.body.forEach { chunk in
                    if first {
                        first = false
                        metrics.timeToFirstToken.recordNanoseconds((ContinuousClock.now - exchange.started).nanoseconds)
                    }
                    tail.append(chunk.readableBytesView)
                    try await writer.write(chunk)
                }
                try await writer.finish(nil)
                // The connection lease (pool accounting, the per-host slot) lives until here.
                withExtendedLifetime(upstream.lease) {}
                finish(exchange, status: status, usage: UsageExtractor.extract(tail.bytes))
            } catch {
                // 499: the client closed the request (nginx's convention); the audit keeps partial usage.
                finish(exchange, status: 499, usage: UsageExtractor.extract(tail.bytes))
                throw error
            }
        }
        return Response(status: .init(code: status), headers: headers, body: body)
    }

    /// Writes the audit record and charges the tokens used.
    private func finish(_ exchange: Exchange, status: Int, usage: Usage?) {
        var record = exchange.record
        record.status = status
        record.latencyMs = (ContinuousClock.now - exchange.started).inSeconds * 1000
        record.promptTokens = usage?.promptTokens
        record.completionTokens = usage?.completionTokens
        if let usage, let jti = record.tokenID {
            rateLimiter.charge(jti, tokens: usage.total, limits: exchange.limits)
        }
        audit.record(record)
    }
}

extension HTTPFields {
    func merging(contentType: String) -> HTTPFields {
        var fields = self
        fields[.contentType] = contentType
        return fields
    }
}
