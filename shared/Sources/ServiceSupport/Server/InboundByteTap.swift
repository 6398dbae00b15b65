import NIOCore

/// First in a connection's pipeline (before TLS and HTTP decoding): tells
/// ``ConnectionDeadlineHandler`` that bytes arrived, since a request head that trickles in
/// produces no HTTP part until it is complete. Carries the connection's registry entry.
final class InboundByteTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let connection: TrackedConnection?
    /// Set by the deadline handler when it joins the pipeline.
    var onRead: (() -> Void)?

    init(connection: TrackedConnection?) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onRead?()
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        onRead = nil
    }
}

@available(*, unavailable)
extension InboundByteTap: Sendable {}
