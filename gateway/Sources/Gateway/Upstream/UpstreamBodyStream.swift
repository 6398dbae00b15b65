import NIOCore

/// A streamed upstream answer's body, read from its connection with backpressure: the connection
/// stops reading from the socket while more than ``highWatermark`` chunks wait for the client, and
/// reads again when the relay has taken them down to ``lowWatermark``. Dropping the stream before
/// its end (the client went away) closes the connection, which cancels the upstream request.
public struct UpstreamBodyStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, UpstreamBodyDelegate
    >

    static let lowWatermark = 2
    static let highWatermark = 16

    let producer: Producer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator
        public mutating func next() async throws -> ByteBuffer? { try await base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: producer.makeAsyncIterator()) }

    /// A stream fed by `handler` (on its event loop) and its source.
    static func make(for handler: UpstreamConnectionHandler, on eventLoop: any EventLoop) -> (Self, Producer.Source) {
        let made = Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: lowWatermark, highWatermark: highWatermark), finishOnDeinit: false,
            delegate: UpstreamBodyDelegate(handler: NIOLoopBound(handler, eventLoop: eventLoop)))
        return (Self(producer: made.sequence), made.source)
    }
}

/// Tells the connection to read more, or that its reader is gone; on the connection's loop.
struct UpstreamBodyDelegate: NIOAsyncSequenceProducerDelegate {
    let handler: NIOLoopBound<UpstreamConnectionHandler>

    func produceMore() { onLoop { $0.readerWantsMore() } }

    func didTerminate() { onLoop { $0.readerLeft() } }

    /// Runs `body` with the handler on its loop: at once when already there.
    private func onLoop(_ body: @escaping @Sendable (UpstreamConnectionHandler) -> Void) {
        let handler = handler
        if handler.eventLoop.inEventLoop {
            body(handler.value)
        } else {
            handler.eventLoop.execute { body(handler.value) }
        }
    }
}
