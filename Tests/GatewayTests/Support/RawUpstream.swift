import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP/1.1 upstream on SwiftNIO directly, for what a Hummingbird mock cannot be made to do:
/// close connections in the ways real servers do, and stream without end while counting what the
/// socket accepted. It answers every request with an OpenAI-shaped chat completion.
final class RawUpstream: Sendable {
    enum Behaviour: Sendable {
        /// Keep-alive answers; the connection stays open.
        case keepAlive
        /// Answers, then closes the connection without saying so (no `Connection: close`).
        case closeAfterAnswer
        /// Answers with `Connection: close` and closes.
        case connectionCloseHeader
        /// An event stream that goes on while the socket takes it, up to `limit` bytes.
        case endlessStream(limit: Int)
    }

    struct Counters {
        var accepted = 0
        var closed = 0
        var requests = 0
        var streamedBytes = 0
    }

    static let answer = #"{"id":"chatcmpl-raw","object":"chat.completion","created":1,"model":"mock-echo","choices":[{"index":0,"message":{"role":"assistant","content":"raw"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#

    let behaviour: Behaviour
    let counters = Mutex(Counters())
    private let channel = Mutex<(any Channel)?>(nil)

    init(_ behaviour: Behaviour) {
        self.behaviour = behaviour
    }

    var snapshot: Counters { counters.withLock { $0 } }

    /// Starts listening on 127.0.0.1 and returns the port.
    func start() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                counters.withLock { $0.accepted += 1 }
                channel.closeFuture.whenComplete { [self] _ in counters.withLock { $0.closed += 1 } }
                return channel.eventLoop.makeCompletedFuture {
                    // No pipelining assistance: it stops reading during a response, and the test must see the client close mid-stream.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: false)
                    try channel.pipeline.syncOperations.addHandler(Handler(upstream: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        self.channel.withLock { $0 = channel }
        return channel.localAddress!.port!
    }

    func stop() async {
        try? await channel.withLock { $0 }?.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let upstream: RawUpstream
        var streaming = false
        var sent = 0

        init(upstream: RawUpstream) { self.upstream = upstream }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            upstream.counters.withLock { $0.requests += 1 }
            var headers = HTTPHeaders()
            switch upstream.behaviour {
            case .endlessStream:
                headers.add(name: "Content-Type", value: "text/event-stream")
                headers.add(name: "Transfer-Encoding", value: "chunked")
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                streaming = true
                pump(context: context)
                return
            case .connectionCloseHeader:
                headers.add(name: "Connection", value: "close")
            default:
                break
            }
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(RawUpstream.answer.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: RawUpstream.answer)))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            switch upstream.behaviour {
            case .closeAfterAnswer, .connectionCloseHeader:
                let channel = context.channel
                done.whenComplete { _ in channel.close(promise: nil) }
            default:
                break
            }
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            if streaming, context.channel.isWritable { pump(context: context) }
            context.fireChannelWritabilityChanged()
        }

        /// Writes events while the socket takes them; counted once flushed.
        private func pump(context: ChannelHandlerContext) {
            guard case .endlessStream(let limit) = upstream.behaviour else { return }
            let event = ByteBuffer(string: "data: " + String(repeating: "x", count: 16_000) + "\n\n")
            while context.channel.isActive, context.channel.isWritable, sent < limit {
                sent += event.readableBytes
                let size = event.readableBytes
                let upstream = upstream
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(event)))).whenSuccess { _ in
                    upstream.counters.withLock { $0.streamedBytes += size }
                }
            }
        }
    }
}
