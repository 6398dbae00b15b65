import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Keep-alive HTTP/1.1 connections to one provider origin, pooled per event loop.
///
/// The gateway's request handlers run on the event loop that owns their inbound connection (NIO is
/// the concurrency executor), so a request takes a connection of its own loop and never leaves its
/// thread. Each loop keeps up to `idlePerLoop` idle connections (`GATEWAY_HTTP_MAX_IDLE_CONNS`
/// divided over the loops), newest first; a request finding none opens one; a connection coming back
/// when the loop already keeps enough is closed. Idle connections older than the keep-alive time
/// (`GATEWAY_HTTP_KEEPALIVE`) are closed by a sweep and never handed out. Pool bounds on concurrency
/// (`GATEWAY_HTTP_MAX_CONNS_PER_HOST`) are the transport's (``NIOUpstreamTransport``).
final class UpstreamConnectionPool: Sendable {
    /// One loop's idle connections; only ever touched on that loop.
    final class LoopPool {
        var idle: [(handler: UpstreamConnectionHandler, since: NIODeadline)] = []
        var sweeper: RepeatedTask?
        var shutDown = false
    }

    struct Loop: Sendable {
        let eventLoop: any EventLoop
        let pool: NIOLoopBoundBox<LoopPool>
    }

    let origin: UpstreamOrigin
    let loops: [Loop]
    let idlePerLoop: Int
    let dial: TimeAmount
    let read: TimeAmount
    let write: TimeAmount
    let keepAlive: TimeAmount
    let maxBody: Int

    init(origin: UpstreamOrigin, http: HTTPTimeoutConfig, maxBody: Int, eventLoopGroup: MultiThreadedEventLoopGroup = .singleton) {
        self.origin = origin
        let eventLoops = Array(eventLoopGroup.makeIterator())
        idlePerLoop = http.idleConnectionsPerLoop(loops: eventLoops.count)
        loops = eventLoops.map { Loop(eventLoop: $0, pool: .makeBoxSendingValue(LoopPool(), eventLoop: $0)) }
        dial = TimeAmount(http.dial)
        read = TimeAmount(http.read)
        write = TimeAmount(http.write)
        keepAlive = TimeAmount(http.keepAlive)
        self.maxBody = maxBody
    }

    /// The calling thread's loop; off the group's loops (tests, startup), any of them.
    var currentLoop: Loop {
        for loop in loops where loop.eventLoop.inEventLoop { return loop }
        return loops[Int.random(in: 0..<loops.count)]
    }

    /// Sends `request` on an idle connection of `loop`'s, or a new one; once more on a new
    /// connection when a reused one closes without answering (``UpstreamConnectionFailure/closedUnanswered``). On `loop`.
    func execute(_ request: UpstreamWireRequest, on loop: Loop, ticket: UpstreamExchangeTicket) -> EventLoopFuture<UpstreamAnswer> {
        let pool = loop.pool.value
        while let (handler, since) = pool.idle.popLast() {
            guard handler.isIdle, since + keepAlive > .now() else {
                handler.close()
                continue
            }
            return start(request, on: handler, loop: loop, ticket: ticket).assumeIsolated().flatMapError { error in
                guard case UpstreamConnectionFailure.closedUnanswered = error else {
                    return loop.eventLoop.makeFailedFuture(error)
                }
                return self.connectAndStart(request, loop: loop, ticket: ticket)
            }.nonisolated()
        }
        return connectAndStart(request, loop: loop, ticket: ticket)
    }

    private func start(
        _ request: UpstreamWireRequest, on handler: UpstreamConnectionHandler, loop: Loop, ticket: UpstreamExchangeTicket
    ) -> EventLoopFuture<UpstreamAnswer> {
        guard ticket.bind(handler) else { return loop.eventLoop.makeFailedFuture(UpstreamConnectionFailure.cancelled) }
        let promise = loop.eventLoop.makePromise(of: UpstreamAnswer.self)
        handler.start(request, promise: promise)
        // Once answered (or failed) the connection may carry someone else's exchange: a late cancel must not reach it.
        promise.futureResult.assumeIsolated().whenComplete { _ in ticket.unbind() }
        return promise.futureResult
    }

    private func connectAndStart(_ request: UpstreamWireRequest, loop: Loop, ticket: UpstreamExchangeTicket) -> EventLoopFuture<UpstreamAnswer> {
        connect(on: loop).assumeIsolated().flatMap { handler in
            self.start(request, on: handler, loop: loop, ticket: ticket)
        }.nonisolated()
    }

    /// A new connection on `loop`, with its TLS (for https), HTTP/1.1 codec, read timeout and handler.
    private func connect(on loop: Loop) -> EventLoopFuture<UpstreamConnectionHandler> {
        let origin = origin
        let maxBody = maxBody
        let write = write
        let read = read
        let bootstrap = ClientBootstrap(group: loop.eventLoop)
            .connectTimeout(dial)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls = origin.tls {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: origin.serverHostname))
                    }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(IdleStateHandler(readTimeout: read))
                    try pipeline.addHandler(UpstreamConnectionHandler(maxBody: maxBody, writeTimeout: write))
                }
            }
        return bootstrap.connect(host: origin.host, port: origin.port).flatMapThrowing { channel in
            let handler = try channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self)
            handler.onIdle = { [self] handler, reusable in checkIn(handler, reusable: reusable, on: loop) }
            return handler
        }.flatMapErrorThrowing { error in
            if error is ChannelError, case ChannelError.connectTimeout = error as! ChannelError {
                throw UpstreamConnectionFailure.timeout("connect")
            }
            throw error
        }
    }

    /// A connection's exchange ended (`reusable`: it may carry another) or it closed.
    private func checkIn(_ handler: UpstreamConnectionHandler, reusable: Bool, on loop: Loop) {
        let pool = loop.pool.value
        guard reusable else {
            pool.idle.removeAll { $0.handler === handler }
            return
        }
        guard !pool.shutDown, pool.idle.count < idlePerLoop else { return handler.close() }
        pool.idle.append((handler, .now()))
        if pool.sweeper == nil { startSweeping(loop) }
    }

    /// Closes idle connections once they are older than the keep-alive time.
    private func startSweeping(_ loop: Loop) {
        let every = TimeAmount.nanoseconds(max(keepAlive.nanoseconds / 2, 50_000_000))
        let keepAlive = keepAlive
        let box = loop.pool
        loop.pool.value.sweeper = loop.eventLoop.scheduleRepeatedTask(initialDelay: every, delay: every) { _ in
            let pool = box.value
            let now = NIODeadline.now()
            let stale = pool.idle.filter { $0.since + keepAlive <= now }
            guard !stale.isEmpty else { return }
            pool.idle.removeAll { $0.since + keepAlive <= now }
            for entry in stale { entry.handler.close() }
        }
    }

    /// Closes the idle connections and keeps no more; answers in flight end on their own.
    func shutdown() async {
        for loop in loops {
            let box = loop.pool
            try? await loop.eventLoop.submit {
                let pool = box.value
                pool.shutDown = true
                pool.sweeper?.cancel()
                pool.sweeper = nil
                let idle = pool.idle
                pool.idle = []
                for entry in idle { entry.handler.close() }
            }.get()
        }
    }
}

/// Lets a cancelled task stop its exchange: the connection the exchange runs on, once it has one.
/// Created and used on the exchange's loop only (``UpstreamConnectionPool``), except ``cancel()``,
/// which hops there.
final class UpstreamExchangeTicket: Sendable {
    private final class State {
        var handler: UpstreamConnectionHandler?
        var cancelled = false
    }

    private let state: NIOLoopBoundBox<State>

    init(on eventLoop: any EventLoop) {
        state = .makeBoxSendingValue(State(), eventLoop: eventLoop)
    }

    /// Binds the exchange to `handler`; false when the task was cancelled already.
    func bind(_ handler: UpstreamConnectionHandler) -> Bool {
        let state = state.value
        state.handler = handler
        return !state.cancelled
    }

    func unbind() {
        state.value.handler = nil
    }

    func cancel() {
        let box = state
        let cancel: @Sendable () -> Void = {
            box.value.cancelled = true
            box.value.handler?.cancel()
        }
        if box.eventLoop.inEventLoop { cancel() } else { box.eventLoop.execute(cancel) }
    }
}
