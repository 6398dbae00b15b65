import NIOCore
import NIOHTTP1

/// One upstream answer as the connection read it: the head, and the body whole (a request that did
/// not ask for a stream) or as a stream.
struct UpstreamAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: UpstreamBody
}

/// Why an exchange on an upstream connection failed.
enum UpstreamConnectionFailure: Error, CustomStringConvertible {
    /// The whole-request deadline, the read timeout (silence while waiting for the answer) or the write timeout passed.
    case timeout(String)
    /// The connection closed before any byte of the answer, and either before the request was
    /// written out or on a reused connection (an upstream closing an idle connection just as the
    /// request went out): the pool sends it once more on a new connection, as fallback would send
    /// it to another provider after a connection error.
    case closedUnanswered
    /// The connection closed or failed after the request was sent and before the answer was complete.
    case closed(String)
    /// A whole answer larger than the gateway takes.
    case tooLarge(Int)
    /// The task waiting for the answer was cancelled (its client went away).
    case cancelled

    var description: String {
        switch self {
        case .timeout(let what): "upstream \(what) timed out"
        case .closedUnanswered: "the upstream connection closed before answering"
        case .closed(let why): "the upstream connection closed before the answer was complete: \(why)"
        case .tooLarge(let limit): "the upstream answer is larger than \(limit) bytes"
        case .cancelled: "cancelled"
        }
    }
}

/// The request of one exchange, ready for the wire.
struct UpstreamWireRequest {
    var head: HTTPRequestHead
    var body: ByteBuffer
    var stream: Bool
    /// The whole-request deadline (the stream's too).
    var timeout: TimeAmount
}

/// One keep-alive HTTP/1.1 connection to a provider, carrying one exchange at a time.
///
/// Every method runs on the channel's event loop. The request's head, body and end go out in one
/// flush (one `writev`). A whole answer (no stream asked for) is gathered here and handed over in
/// one piece with its head, so the waiting task wakes once; a stream's head is handed over at once
/// and its body flows through an ``UpstreamBodyStream`` with backpressure: reads from the socket are
/// held while the client is behind. When the answer ends, the connection goes back to its pool
/// (``onIdle``) unless either side said `Connection: close`.
final class UpstreamConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private struct Exchange {
        let promise: EventLoopPromise<UpstreamAnswer>
        let stream: Bool
        var deadline: Scheduled<Void>?
        var written = false
    }

    private enum State {
        case idle
        case awaitingHead(Exchange)
        case collecting(Exchange, status: Int, headers: HTTPHeaders, keepAlive: Bool, body: ByteBuffer?)
        case streaming(Exchange, keepAlive: Bool, source: UpstreamBodyStream.Producer.Source)
        case closed

        /// The exchange in flight, if any.
        var exchange: Exchange? {
            switch self {
            case .awaitingHead(let exchange), .collecting(let exchange, _, _, _, _), .streaming(let exchange, _, _): exchange
            case .idle, .closed: nil
            }
        }
    }

    private var state = State.idle
    private var context: ChannelHandlerContext?
    /// The stream's reader has as much as it wants: reads wait for ``readerWantsMore()``.
    private var readerFull = false
    private var readHeld = false
    private var writePending = false
    /// The largest whole answer taken.
    let maxBody: Int
    let writeTimeout: TimeAmount
    /// Called when an exchange ended and the connection may carry another (`true`), or when it
    /// closed (`false`). Set by the pool.
    var onIdle: ((UpstreamConnectionHandler, Bool) -> Void)?
    /// Requests this connection has carried (the first is not a reuse).
    private(set) var exchanges = 0

    init(maxBody: Int, writeTimeout: TimeAmount) {
        self.maxBody = maxBody
        self.writeTimeout = writeTimeout
    }

    /// The connection is open and between exchanges.
    var isIdle: Bool {
        if case .idle = state, let context, context.channel.isActive { return true }
        return false
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closed("closed by the upstream"), closing: false)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.closed(String(describing: error)), closing: true)
    }

    // MARK: Sending

    /// Starts an exchange; `promise` gets the answer (the head and whole body, or the head and the stream).
    func start(_ request: UpstreamWireRequest, promise: EventLoopPromise<UpstreamAnswer>) {
        guard case .idle = state, let context, context.channel.isActive else {
            promise.fail(UpstreamConnectionFailure.closedUnanswered)
            return
        }
        exchanges += 1
        readerFull = false
        readHeld = false
        var exchange = Exchange(promise: promise, stream: request.stream)
        exchange.deadline = context.eventLoop.assumeIsolated().scheduleTask(in: request.timeout) { [self] in
            fail(.timeout("request"), closing: true)
        }
        state = .awaitingHead(exchange)
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        writePending = true
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        let isolated = written.futureResult.assumeIsolated()
        isolated.whenComplete { [self] _ in writePending = false }
        isolated.whenSuccess { [self] in markWritten() }
        isolated.whenFailure { [self] _ in fail(.closedUnanswered, closing: true) }
        // A small request is written by the flush itself; only one still pending gets a write timer.
        if writePending {
            let timer = context.eventLoop.assumeIsolated().scheduleTask(in: writeTimeout) { [self] in
                if case .awaitingHead(let exchange) = state, !exchange.written { fail(.timeout("write"), closing: true) }
            }
            isolated.whenComplete { _ in timer.cancel() }
        }
    }

    private func markWritten() {
        if case .awaitingHead(var exchange) = state {
            exchange.written = true
            state = .awaitingHead(exchange)
        }
    }

    /// The waiting task was cancelled: a connection with an answer in flight cannot be reused.
    func cancel() {
        switch state {
        case .awaitingHead, .collecting: fail(.cancelled, closing: true)
        default: break
        }
    }

    // MARK: Receiving

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            received(head)
        case .body(let buffer):
            received(buffer)
        case .end:
            ended()
        }
    }

    private func received(_ head: HTTPResponseHead) {
        guard case .awaitingHead(var exchange) = state else { return fail(.closed("an answer nobody asked for"), closing: true) }
        // 1xx answers are interim: the real one follows.
        guard head.status.code >= 200 else { return }
        exchange.written = true
        let status = Int(head.status.code)
        if exchange.stream, let context {
            let (stream, source) = UpstreamBodyStream.make(for: self, on: context.eventLoop)
            state = .streaming(exchange, keepAlive: head.isKeepAlive, source: source)
            exchange.promise.succeed(UpstreamAnswer(status: status, headers: head.headers, body: .stream(stream)))
        } else {
            state = .collecting(exchange, status: status, headers: head.headers, keepAlive: head.isKeepAlive, body: nil)
        }
    }

    private func received(_ buffer: ByteBuffer) {
        switch state {
        case .collecting(let exchange, let status, let headers, let keepAlive, var body):
            state = .idle  // no copy-on-write of `body` while it grows
            if body == nil {
                body = buffer
            } else {
                var buffer = buffer
                body!.writeBuffer(&buffer)
            }
            state = .collecting(exchange, status: status, headers: headers, keepAlive: keepAlive, body: body)
            if body!.readableBytes > maxBody { fail(.tooLarge(maxBody), closing: true) }
        case .streaming(_, _, let source):
            switch source.yield(buffer) {
            case .produceMore: break
            case .stopProducing: readerFull = true
            case .dropped: readerLeft()
            }
        default:
            fail(.closed("a body without a head"), closing: true)
        }
    }

    private func ended() {
        switch state {
        case .collecting(let exchange, let status, let headers, let keepAlive, let body):
            exchange.deadline?.cancel()
            state = .idle
            release(reusable: keepAlive)
            exchange.promise.succeed(UpstreamAnswer(status: status, headers: headers, body: .buffer(body ?? ByteBuffer())))
        case .streaming(let exchange, let keepAlive, let source):
            exchange.deadline?.cancel()
            state = .idle
            release(reusable: keepAlive)
            source.finish()
        default:
            fail(.closed("an end without a head"), closing: true)
        }
    }

    // MARK: Backpressure

    func read(context: ChannelHandlerContext) {
        if readerFull, case .streaming = state {
            readHeld = true
            return
        }
        context.read()
    }

    /// The stream's reader caught up.
    func readerWantsMore() {
        readerFull = false
        if readHeld, let context {
            readHeld = false
            context.read()
        }
    }

    /// The stream's reader is gone (the client left, or the relay ended): an unfinished answer
    /// cannot be read to its end for nobody, so the connection closes and the upstream stops.
    func readerLeft() {
        if case .streaming = state { fail(.cancelled, closing: true) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
            return context.fireUserInboundEventTriggered(event)
        }
        // Silence while an answer is awaited, unless the silence is ours (reads held for a slow client).
        switch state {
        case .awaitingHead, .collecting: fail(.timeout("read"), closing: true)
        case .streaming where !readHeld: fail(.timeout("read"), closing: true)
        default: break
        }
    }

    // MARK: Ending

    private func release(reusable: Bool) {
        guard reusable else {
            state = .closed
            context?.close(promise: nil)
            onIdle?(self, false)
            return
        }
        onIdle?(self, true)
    }

    /// Closes the connection (when idle in the pool, or at shutdown).
    func close() {
        fail(.closed("closed by the gateway"), closing: true)
    }

    /// Ends the exchange in flight with `failure` (a stream's reader gets it as the stream's error)
    /// and the connection with it.
    private func fail(_ failure: UpstreamConnectionFailure, closing: Bool) {
        let previous = state
        state = .closed
        defer { if closing { context?.close(promise: nil) } }
        if case .closed = previous { return }
        previous.exchange?.deadline?.cancel()
        switch previous {
        case .awaitingHead(let exchange):
            if case .closed = failure, !exchange.written || exchanges > 1 {
                exchange.promise.fail(UpstreamConnectionFailure.closedUnanswered)
            } else {
                exchange.promise.fail(failure)
            }
        case .collecting(let exchange, _, _, _, _): exchange.promise.fail(failure)
        case .streaming(_, _, let source): source.finish(failure)
        case .idle, .closed: break
        }
        onIdle?(self, false)
    }
}
