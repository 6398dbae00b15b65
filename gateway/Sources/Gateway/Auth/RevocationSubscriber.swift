import ServiceSupport
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TokenProtocol

/// Background service (remote mode, `GATEWAY_REVOCATION_STREAM=on`): follows platform-token-runtime's
/// `GET /v1/events` and applies each revocation to the introspection cache at once, so a revoked
/// token stops working within milliseconds instead of at the end of its active TTL. An `updated`
/// token (its policy changed) is evicted from the cache and its quota leases handed back; a `recall`
/// hands back its unused leases (``QuotaLeases``); a `budget` alert is logged.
///
/// Reconnects with capped exponential backoff and jitter, resuming with `Last-Event-ID`; a `reset`
/// drops every cached active entry. While the stream is down nothing else changes: the cache keeps
/// its normal TTL bounds.
public final class RevocationSubscriber: Service {
    public enum StreamState: String, Sendable { case connecting, connected, disconnected }

    let url: String
    let authorization: String
    let httpClient: HTTPClient
    let cache: IntrospectionCache
    let metrics: GatewayMetrics
    let logger: Logger
    let backoffBase: Duration
    let backoffCap: Duration
    /// The budget and rate-limit leases, told of `updated` and `recall` events (nil: none held).
    let quota: QuotaLeases?
    private let state = Mutex<(lastEventID: String?, stream: StreamState)>((nil, .connecting))

    public init(
        baseURL: String, secret: String, httpClient: HTTPClient, cache: IntrospectionCache, metrics: GatewayMetrics,
        logger: Logger, quota: QuotaLeases? = nil, backoffBase: Duration = .milliseconds(100), backoffCap: Duration = .seconds(5)
    ) {
        self.quota = quota
        url = ServiceURL.join(baseURL, RuntimePath.events)
        authorization = "Bearer \(secret)"
        self.httpClient = httpClient
        self.cache = cache
        self.metrics = metrics
        self.logger = logger
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
    }

    public var streamState: StreamState { state.withLock { $0.stream } }
    public var lastEventID: String? { state.withLock { $0.lastEventID } }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { [self] in
            var backoff = RetryBackoff(initial: backoffBase, maximum: backoffCap)
            while !Task.isCancelled {
                let receivedEvents = await follow()
                setState(.disconnected)
                if Task.isCancelled { break }
                if receivedEvents { backoff.reset() }
                metrics.revocationReconnects.increment()
                try await Task.sleep(for: backoff.next())
            }
        }
        setState(.disconnected)
    }

    /// One connection: follows the stream until it ends. True if the runtime answered with a stream.
    func follow() async -> Bool {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let last = lastEventID { request.headers.add(name: RevocationStream.lastEventIDHeader, value: last) }
        do {
            let response = try await httpClient.execute(request, deadline: .distantFuture)
            guard response.status == .ok else {
                _ = try? await response.body.collect(upTo: 1 << 16)
                logger.warning("revocation stream refused", metadata: ["status": "\(response.status.code)"])
                return false
            }
            setState(.connected)
            logger.info("revocation stream connected")
            var parser = SSEParser()
            for try await chunk in response.body {
                for event in parser.feed(chunk.readableBytesView) { apply(event) }
            }
            logger.info("revocation stream ended")
            return true
        } catch {
            if !Task.isCancelled { logger.debug("revocation stream failed", metadata: ["error": "\(error)"]) }
            return streamState == .connected
        }
    }

    func apply(_ event: SSEParser.Event) {
        switch event.type {
        case RevocationStream.revoked:
            guard let data = event.data.data(using: .utf8),
                let revocation = try? JSONDecoder().decode(RevocationEvent.self, from: data),
                let digest = TokenDigest(hex: revocation.tokenDigest)
            else {
                logger.warning("ignoring a malformed revocation event")
                return
            }
            cache.markRevoked(digest)
            metrics.revocationEvents.increment()
            let delay = max(0, SystemWallClock().now() - revocation.revokedAt)
            metrics.revocationDelay.recordNanoseconds(Int64(delay * 1e9))
        case RevocationStream.updated:
            guard let data = event.data.data(using: .utf8),
                let update = try? JSONDecoder().decode(TokenUpdatedEvent.self, from: data),
                let digest = TokenDigest(hex: update.tokenDigest)
            else {
                logger.warning("ignoring a malformed update event")
                return
            }
            // The next request introspects again and sees the new claims; the leases go back and
            // refusals are forgotten, so a raised budget or limit counts at once.
            cache.evictActive(digest)
            if let quota { Task { await quota.release(update.jti, forget: true) } }
        case RevocationStream.recall:
            guard let data = event.data.data(using: .utf8), let recall = try? JSONDecoder().decode(QuotaRecallEvent.self, from: data)
            else {
                logger.warning("ignoring a malformed recall event")
                return
            }
            if let quota { Task { await quota.release(recall.jti) } }
        case RevocationStream.budget:
            if let data = event.data.data(using: .utf8), let alert = try? JSONDecoder().decode(BudgetAlertEvent.self, from: data) {
                logger.notice(
                    "token budget threshold crossed",
                    metadata: [
                        "token.id": "\(alert.jti)", "threshold.percent": "\(alert.thresholdPercent)",
                        "spent.usd": "\(alert.spentNanoUSD.decimalString)", "budget.usd": "\(alert.maxBudgetNanoUSD.decimalString)",
                    ])
            }
        case RevocationStream.reset:
            let dropped = cache.dropActiveEntries()
            metrics.revocationResets.increment()
            logger.warning("revocation stream reset: dropped cached active tokens", metadata: ["dropped": "\(dropped)"])
        default:
            break
        }
        if let id = event.id { state.withLock { $0.lastEventID = id } }
    }

    private func setState(_ stream: StreamState) {
        state.withLock { $0.stream = stream }
        metrics.revocationConnected.record(stream == .connected ? 1 : 0)
    }
}
