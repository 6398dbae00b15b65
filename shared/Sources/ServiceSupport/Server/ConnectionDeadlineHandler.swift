import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Enforces ``ConnectionDeadlines`` on one HTTP/1.1 connection: sits after the HTTP codec (it
/// sees request and response parts) and learns of raw bytes from the ``InboundByteTap`` at the
/// front of the pipeline. One timer at a time, armed for the current deadline; when it fires
/// early (more bytes came) it is armed again, so a busy connection costs no timer work per read.
/// On a header or body timeout it answers `408 Request Timeout` when a response can still be
/// written, then closes; on an idle timeout it just closes.
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var state: ConnectionDeadlines
    private let metrics: ServerConnectionMetrics?
    private let logger: Logger
    private var connection: TrackedConnection?
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var publishedIdle: Bool?
    private var closing = false

    init(limits: InboundLimits, metrics: ServerConnectionMetrics?, logger: Logger) {
        self.state = ConnectionDeadlines(limits: limits, openedAt: .now())
        self.metrics = metrics
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if let tap = try? context.pipeline.syncOperations.handler(type: InboundByteTap.self) {
            connection = tap.connection
            tap.onRead = { [weak self] in self?.state.bytesRead(at: .now()) }
        }
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: state.requestHead(at: .now())
        case .end: state.requestEnd(at: .now())
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head:
            state.responseHead()
            context.write(data, promise: promise)
        case .end:
            state.responseEnd(at: .now())
            context.write(data, promise: promise)
            arm(context)
        case .body:
            context.write(data, promise: promise)
        }
    }

    /// Makes sure a timer fires no later than the current deadline, and tells the registry
    /// whether the connection is idle.
    private func arm(_ context: ChannelHandlerContext) {
        let idle = state.isIdle
        if idle != publishedIdle, let connection {
            publishedIdle = idle
            if case .idle(let since) = state.phase { connection.setIdle(since: since) } else { connection.setIdle(since: nil) }
        }
        guard !closing, let deadline = state.deadline else { return }
        if let timerDeadline, timerDeadline <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            self?.timerFired(context)
        }
    }

    private func timerFired(_ context: ChannelHandlerContext) {
        timer = nil
        timerDeadline = nil
        switch state.timerFired(at: .now()) {
        case .nothing:
            break
        case .rearm:
            arm(context)
        case .close(let reason, let respond408):
            closing = true
            metrics?.closedByTimeout(reason)
            logger.debug("closing a slow or idle connection", metadata: ["connection.close_reason": "\(reason.rawValue)"])
            guard respond408 else {
                context.close(promise: nil)
                return
            }
            let head = HTTPResponse(status: .requestTimeout, headerFields: [.connection: "close", .contentLength: "0"])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            // A client that reads nothing must not keep the connection open through the 408.
            context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { context.close(promise: nil) }
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
    }
}

@available(*, unavailable)
extension ConnectionDeadlineHandler: Sendable {}
