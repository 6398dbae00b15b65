import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOPosix

/// Provider traffic on SwiftNIO channels: ``UpstreamConnectionPool``'s keep-alive connections,
/// the explicit per-host cap (``ConnectionSlots``, `GATEWAY_HTTP_MAX_CONNS_PER_HOST` and
/// `GATEWAY_HTTP_POOL_WAIT`), and failures mapped to ``UpstreamError``.
///
/// Hand-rolled rather than AsyncHTTPClient because of what a proxied request costs there: its
/// request conversion, task and connection state machines and body streams came to most of the
/// gateway's own time per proxied request (bench/HISTORY.md, issue 18). Here a whole answer costs one
/// promise and one wake-up of the waiting task.
final class NIOUpstreamTransport: UpstreamTransport {
    let pool: UpstreamConnectionPool
    let slots: ConnectionSlots?
    let poolWait: Duration

    init(origin: UpstreamOrigin, http: HTTPTimeoutConfig, maxBody: Int, eventLoopGroup: MultiThreadedEventLoopGroup = .singleton) {
        pool = UpstreamConnectionPool(origin: origin, http: http, maxBody: maxBody, eventLoopGroup: eventLoopGroup)
        slots = http.maxConnectionsPerHost > 0 ? ConnectionSlots(limit: http.maxConnectionsPerHost) : nil
        poolWait = http.poolWait
    }

    func execute(_ call: UpstreamCall, passing passed: [(String, HTTPField.Name)]) async throws -> UpstreamResponse {
        let slot = try await slots?.acquireTimed(timeout: poolWait)
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: pool.origin.root + call.path, headers: call.headers)
        head.headers.add(name: "Host", value: pool.origin.hostHeader)
        head.headers.add(name: "Content-Length", value: String(call.body.readableBytes))
        let request = UpstreamWireRequest(head: head, body: call.body, stream: call.stream, timeout: TimeAmount(call.timeout))
        let loop = pool.currentLoop
        let ticket = UpstreamExchangeTicket(on: loop.eventLoop)
        let answer: UpstreamAnswer
        do {
            answer = try await withTaskCancellationHandler {
                let future: EventLoopFuture<UpstreamAnswer>
                if loop.eventLoop.inEventLoop {
                    future = pool.execute(request, on: loop, ticket: ticket)
                } else {
                    let pool = pool
                    future = loop.eventLoop.flatSubmit { pool.execute(request, on: loop, ticket: ticket) }
                }
                return try await future.get()
            } onCancel: {
                ticket.cancel()
            }
        } catch {
            throw Self.upstreamError(error)
        }
        var headers = HTTPFields()
        for (name, field) in passed {
            if let value = answer.headers.first(name: name) { headers[field] = value }
        }
        let lease = slot.map { SlotLease(permit: $0.permit, waited: $0.waited) }
        return UpstreamResponse(status: answer.status, headers: headers, body: answer.body, lease: lease)
    }

    static func upstreamError(_ error: any Error) -> any Error {
        switch error {
        case UpstreamConnectionFailure.timeout: return UpstreamError.timeout
        case UpstreamConnectionFailure.cancelled: return CancellationError()
        case UpstreamConnectionFailure.tooLarge: return UpstreamError.invalidResponse
        case let error where OutOfFileDescriptors.caused(error): return UpstreamError.outOfFileDescriptors
        case is CancellationError: return error
        default: return UpstreamError.connection(String(describing: error))
        }
    }

    func shutdown() async throws {
        await pool.shutdown()
    }
}

/// The per-host slot an answer holds until its last byte was relayed.
final class SlotLease: UpstreamLease {
    let permit: ConnectionSlots.Permit
    let waited: Duration

    init(permit: ConnectionSlots.Permit, waited: Duration) {
        self.permit = permit
        self.waited = waited
    }
}
