@testable import Gateway
import HTTPTypes
import NIOCore
import NIOPosix
import Testing

/// The provider client's own connections (SwiftNIO, issue 18): reuse, the ways upstreams close
/// them, idle expiry and backpressure, against ``RawUpstream``.
@Suite struct UpstreamConnectionTests {
    static let body = #"{"model":"mock-echo","messages":[{"role":"user","content":"hi"}]}"#

    static func client(port: Int, http: HTTPTimeoutConfig = HTTPTimeoutConfig()) -> OpenAIProviderClient {
        OpenAIProviderClient(
            config: ProviderConfig(name: "raw", kind: .openai, baseURL: "http://127.0.0.1:\(port)", apiKey: "k", models: ["mock-echo"]),
            http: http)
    }

    static func chat(_ client: OpenAIProviderClient, stream: Bool = false) async throws -> UpstreamResponse {
        try await client.send(UpstreamRequest(endpoint: .chatCompletions, body: ByteBuffer(string: body), stream: stream, requestID: "req_raw"))
    }

    /// The transport alone on one event loop, so that every request finds the previous one's connection.
    static func oneLoopTransport(port: Int, http: HTTPTimeoutConfig = HTTPTimeoutConfig()) throws -> NIOUpstreamTransport {
        let origin = try UpstreamOrigin(root: "http://127.0.0.1:\(port)/v1", tls: .makeClientConfiguration())
        return NIOUpstreamTransport(origin: origin, http: http, maxBody: 1 << 20, eventLoopGroup: oneLoop)
    }

    static let oneLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    static func chat(_ transport: NIOUpstreamTransport) async throws -> UpstreamResponse {
        try await transport.execute(
            UpstreamCall(path: "/chat/completions", headers: [:], body: ByteBuffer(string: body), stream: false, timeout: .seconds(5)),
            passing: [])
    }

    /// Sequential requests share keep-alive connections: at most one per event loop (a task off
    /// the loops, as here, is given any loop's); on one loop, one connection.
    @Test func sequentialRequestsReuseKeepAliveConnections() async throws {
        let upstream = RawUpstream(.keepAlive)
        let port = try await upstream.start()
        let transport = try Self.oneLoopTransport(port: port)
        for _ in 0..<10 { #expect(try await Self.chat(transport).status == 200) }
        #expect(upstream.snapshot.accepted == 1, "requests on one loop opened connections of their own: \(upstream.snapshot)")
        try await transport.shutdown()
        let client = Self.client(port: port)
        for _ in 0..<20 {
            let answer = try await Self.chat(client)
            #expect(answer.status == 200)
            #expect(String(buffer: try await answer.body.collect(upTo: 1 << 20)) == RawUpstream.answer)
        }
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator()).count
        #expect(upstream.snapshot.requests == 30)
        #expect(upstream.snapshot.accepted <= 1 + loops, "requests opened connections of their own: \(upstream.snapshot)")
        try await client.shutdown()
        await upstream.stop()
    }

    /// An upstream closing each connection after its answer, with or without saying so: every
    /// request still succeeds, each on a new connection.
    @Test(arguments: [RawUpstream.Behaviour.closeAfterAnswer, .connectionCloseHeader])
    func anUpstreamClosingItsConnectionsCostsNoRequest(_ behaviour: RawUpstream.Behaviour) async throws {
        let upstream = RawUpstream(behaviour)
        let client = Self.client(port: try await upstream.start())
        for round in 0..<20 {
            let answer = try await Self.chat(client)
            #expect(answer.status == 200, "request \(round)")
            _ = try await answer.body.collect(upTo: 1 << 20)
        }
        #expect(upstream.snapshot.requests == 20)
        #expect(upstream.snapshot.accepted == 20)
        try await client.shutdown()
        await upstream.stop()
    }

    /// Idle connections are closed by the gateway after GATEWAY_HTTP_KEEPALIVE and never reused after it.
    @Test func idleConnectionsAreClosedAfterTheKeepAliveTime() async throws {
        let upstream = RawUpstream(.keepAlive)
        let client = try Self.oneLoopTransport(port: try await upstream.start(), http: HTTPTimeoutConfig(keepAlive: .milliseconds(100)))
        _ = try await Self.chat(client).body.collect(upTo: 1 << 20)
        #expect(upstream.snapshot.accepted == 1)
        // The sweep closes it within the keep-alive time and its half again.
        var closed = false
        for _ in 0..<100 where !closed {
            try await Task.sleep(for: .milliseconds(20))
            closed = upstream.snapshot.closed == 1
        }
        #expect(closed, "the idle connection was not closed: \(upstream.snapshot)")
        _ = try await Self.chat(client).body.collect(upTo: 1 << 20)
        #expect(upstream.snapshot.accepted == 2)
        try await client.shutdown()
        await upstream.stop()
    }

    /// A stream's reader that stops reading stops the gateway reading from the upstream: what the
    /// upstream manages to send stalls at what the socket buffers and a few chunks hold, far below
    /// the stream's length; dropping the stream closes the connection.
    @Test func aStreamIsReadOnlyAsFastAsItsReaderTakesIt() async throws {
        let limit = 1 << 30
        let upstream = RawUpstream(.endlessStream(limit: limit))
        let client = Self.client(port: try await upstream.start())
        let answer = try await Self.chat(client, stream: true)
        guard case .stream(let stream) = answer.body else {
            Issue.record("a streamed answer should come as a stream: \(answer.body)")
            return
        }
        var iterator = stream.makeAsyncIterator()
        _ = try await iterator.next()
        // Not reading: the upstream's progress must stall.
        var previous = -1
        var stalled = false
        for _ in 0..<50 where !stalled {
            try await Task.sleep(for: .milliseconds(100))
            let now = upstream.snapshot.streamedBytes
            stalled = now == previous
            previous = now
        }
        #expect(stalled, "the upstream kept sending to a reader that stopped: \(upstream.snapshot)")
        #expect(previous < 64 << 20, "\(previous) bytes were taken from the upstream for a reader that read one chunk")
        _ = try await iterator.next()
        withExtendedLifetime(iterator) {}
        try await client.shutdown()
        await upstream.stop()
    }

    @Test func aDroppedStreamClosesItsConnection() async throws {
        let upstream = RawUpstream(.endlessStream(limit: 1 << 30))
        let client = Self.client(port: try await upstream.start())
        do {
            let answer = try await Self.chat(client, stream: true)
            guard case .stream(let stream) = answer.body else { throw UpstreamError.invalidResponse }
            for try await _ in stream { break }
        }
        var closed = false
        for _ in 0..<100 where !closed {
            try await Task.sleep(for: .milliseconds(20))
            closed = upstream.snapshot.closed == 1
        }
        #expect(closed, "the upstream connection of a dropped stream stayed open: \(upstream.snapshot)")
        try await client.shutdown()
        await upstream.stop()
    }
}
