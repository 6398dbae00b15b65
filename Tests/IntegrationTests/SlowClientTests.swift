import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Slow and idle clients against the real executables with 1-2 s limits: each is closed at its
/// deadline (408 when a response can still be written), while normal requests, a stream longer
/// than every limit and the gateway's revocation subscription go on untouched.
@Suite struct SlowClientTests {
    static let gatewayLimits = [
        "GATEWAY_SERVER_HEADER_TIMEOUT": "1s", "GATEWAY_SERVER_BODY_TIMEOUT": "1s", "GATEWAY_SERVER_IDLE_TIMEOUT": "2s",
    ]
    static let runtimeLimits = [
        "TOKEN_RUNTIME_SERVER_HEADER_TIMEOUT": "1s", "TOKEN_RUNTIME_SERVER_BODY_TIMEOUT": "1s", "TOKEN_RUNTIME_SERVER_IDLE_TIMEOUT": "2s",
    ]

    /// A request head that never ends: one more byte every 200 ms until the server closes (or 10 s).
    static func trickle(port: Int) async throws -> (HeldSocket, Duration?) {
        let socket = try HeldSocket(port: port)
        let start = ContinuousClock.now
        socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Trickle: ")
        while ContinuousClock.now - start < .seconds(10) {
            try await Task.sleep(for: .milliseconds(200))
            if socket.poll() || !socket.write("a") { return (socket, ContinuousClock.now - start) }
        }
        return (socket, nil)
    }

    /// A connection that sends nothing: how long until the server closes it (nil: not within 10 s).
    static func silent(port: Int) async throws -> (HeldSocket, Duration?) {
        let socket = try HeldSocket(port: port)
        return (socket, await socket.waitUntilClosed(timeout: .seconds(10)))
    }

    /// A whole head announcing 200 bytes of body, 10 of them, then silence.
    static func stalledBody(port: Int, path: String, headers: String) async throws -> (HeldSocket, Duration?) {
        let socket = try HeldSocket(port: port)
        socket.write("POST \(path) HTTP/1.1\r\nHost: x\r\n\(headers)Content-Length: 200\r\n\r\n{\"model\":")
        return (socket, await socket.waitUntilClosed(timeout: .seconds(10)))
    }

    @Test(.timeLimit(.minutes(3)))
    func slowAndIdleClientsAreClosedWhileEveryoneElseIsServed() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime(environment: Self.runtimeLimits)
            async let upstreamStart = stack.mockUpstream(chunkDelay: "100ms")
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)], environment: Self.gatewayLimits)
            let token = try await runtime.issue(subject: "slow-clients").token
            let victim = try await runtime.issue(subject: "revoked-later")
            let subscribed = await poll(timeout: .seconds(15)) {
                (try? await gateway.get("/readyz").body.contains(#""revocation_stream":"connected""#)) ?? false
            }
            #expect(subscribed != nil, stack.logs("the revocation stream never connected"))
            #expect(try await gateway.chat(victim.token).status == 200)

            // The attackers, all at once, against the gateway...
            async let trickling = Self.trickle(port: gateway.port)
            async let silent = Self.silent(port: gateway.port)
            async let stalled = Self.stalledBody(
                port: gateway.port, path: "/v1/chat/completions", headers: "Authorization: Bearer \(token)\r\nContent-Type: application/json\r\n")
            // ... and the runtime.
            async let runtimeTrickling = Self.trickle(port: runtime.port)
            async let runtimeSilent = Self.silent(port: runtime.port)
            // Meanwhile: a stream of 40 words 100 ms apart (4 s, longer than every limit) ...
            let words = (1...40).map { "w\($0)" }.joined(separator: " ")
            async let streamed = gateway.post("/v1/chat/completions", token: token, body: Bodies.chat(words, stream: true), timeout: .seconds(30))
            // ... and plain requests, one after another, for 3 s.
            var latencies: [Duration] = []
            var statuses: [Int] = []
            let served = ContinuousClock.now
            while ContinuousClock.now - served < .seconds(3) {
                let start = ContinuousClock.now
                statuses.append(try await gateway.chat(token, "normal").status)
                latencies.append(ContinuousClock.now - start)
                try await Task.sleep(for: .milliseconds(50))
            }

            let (trickle, trickleClosed) = try await trickling
            #expect(trickleClosed.map { $0 >= .milliseconds(900) && $0 < .seconds(6) } == true, stack.logs("trickling head: closed after \(String(describing: trickleClosed))"))
            #expect(trickle.status == 408, "trickling head: \(trickle.text.prefix(200))")
            let (quiet, quietClosed) = try await silent
            #expect(quietClosed.map { $0 >= .milliseconds(1_900) && $0 < .seconds(8) } == true, stack.logs("silent: closed after \(String(describing: quietClosed))"))
            #expect(quiet.received.isEmpty, "silent: \(quiet.text.prefix(200))")
            let (stall, stallClosed) = try await stalled
            #expect(stallClosed.map { $0 >= .milliseconds(900) && $0 < .seconds(6) } == true, stack.logs("stalled body: closed after \(String(describing: stallClosed))"))
            #expect(stall.status == 408, "stalled body: \(stall.text.prefix(200))")
            let (runtimeTrickle, runtimeTrickleClosed) = try await runtimeTrickling
            #expect(runtimeTrickleClosed.map { $0 < .seconds(6) } == true, stack.logs("runtime, trickling head: \(String(describing: runtimeTrickleClosed))"))
            #expect(runtimeTrickle.status == 408, "runtime, trickling head: \(runtimeTrickle.text.prefix(200))")
            let (_, runtimeQuietClosed) = try await runtimeSilent
            #expect(runtimeQuietClosed.map { $0 >= .milliseconds(1_900) && $0 < .seconds(8) } == true, stack.logs("runtime, silent: \(String(describing: runtimeQuietClosed))"))

            #expect(!statuses.isEmpty && statuses.allSatisfy { $0 == 200 }, stack.logs("plain requests during the attack: \(statuses)"))
            // Generous: a debug build on a busy 2-core machine; a request held up by a slow client would take seconds.
            #expect(latencies.max().map { $0 < .seconds(2) } == true, "plain request latencies: \(latencies)")

            let stream = try await streamed
            let content = SSE.dataEvents(stream.body).compactMap { event -> String? in
                ((event["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
            }.joined()
            #expect(stream.status == 200 && stream.body.hasSuffix("data: [DONE]\n\n"), stack.logs("stream: \(stream)"))
            #expect(content == words, "the stream was cut: \(content)")

            // The revocation subscription outlived every limit (and the heartbeat-only silences on it).
            try await Task.sleep(for: .seconds(1))
            try await runtime.revoke(victim.id)
            let refused = await poll(timeout: .seconds(5)) { (try? await gateway.chat(victim.token).status) == 401 }
            #expect(refused != nil, stack.logs("the revocation did not reach the gateway"))
            #expect(try await gateway.metric("gateway_revocation_stream_reconnects_total") == 0, stack.logs("the revocation stream reconnected"))
            #expect(try await gateway.metric("gateway_revocation_events_total") >= 1)

            for reason in ["header_timeout", "body_timeout", "idle_timeout"] {
                let closed = try await gateway.metric("gateway_server_connections_closed_total", ["reason": reason])
                #expect(closed >= 1, "gateway_server_connections_closed_total{reason=\(reason)} is \(closed)")
            }
            let runtimeMetrics = try await HTTP.send(.GET, runtime.baseURL + "/metrics").body
            for reason in ["header_timeout", "idle_timeout"] {
                let closed = HeldSocket.metric("token_runtime_server_connections_closed_total", ["reason": reason], in: runtimeMetrics)
                #expect(closed >= 1, "token_runtime_server_connections_closed_total{reason=\(reason)} is \(closed)")
            }
            #expect(gateway.process.isRunning && runtime.process.isRunning, stack.logs)
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func atTheConnectionCapIdleConnectionsMakeRoomAndBusyOnesRefuseTheNext() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)],
                environment: [
                    "GATEWAY_SERVER_MAX_CONNECTIONS": "50", "GATEWAY_SERVER_HEADER_TIMEOUT": "60s", "GATEWAY_SERVER_IDLE_TIMEOUT": "60s",
                ])

            // 50 kept-alive connections, each after one answered request: idle, and the cap is full.
            var idle: [HeldSocket] = []
            for _ in 0..<50 {
                let socket = try HeldSocket(port: gateway.port)
                socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await socket.waitForResponseHead(timeout: .seconds(10)), "a held connection got no answer: \(socket.text.prefix(200))")
                idle.append(socket)
            }
            // A new client is still served: an idle connection was closed to make room.
            let health = try await HeldSocket.get(port: gateway.port, "/healthz")
            #expect(!health.isEmpty)
            try await Task.sleep(for: .milliseconds(200))
            let evictedSockets = idle.filter { $0.poll() }.count
            #expect(evictedSockets >= 1, "no idle connection was closed to make room")
            var metrics = try await HeldSocket.get(port: gateway.port, "/metrics")
            #expect(HeldSocket.metric("gateway_server_connections_evicted_total", in: metrics) >= 1, "\(metrics)")
            #expect(HeldSocket.metric("gateway_server_connections_refused_total", in: metrics) == 0)
            for socket in idle { socket.disconnect() }
            let drained = await poll(timeout: .seconds(10)) {
                let text = (try? await HeldSocket.get(port: gateway.port, "/metrics")) ?? ""
                return HeldSocket.metric("gateway_server_connections_open", in: text) <= 1
            }
            #expect(drained != nil, "the closed connections were not forgotten")

            // 50 connections busy in slow requests (a head that has not ended): the 51st is refused.
            var busy: [HeldSocket] = []
            for _ in 0..<50 {
                let socket = try HeldSocket(port: gateway.port)
                socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
                busy.append(socket)
            }
            try await Task.sleep(for: .seconds(1))  // every partial head read: all 50 busy
            let refused = try HeldSocket(port: gateway.port)
            refused.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            let refusedAfter = await refused.waitUntilClosed(timeout: .seconds(5))
            #expect(refusedAfter != nil, "the 51st connection was not closed")
            #expect(refused.received.isEmpty, "the 51st connection was answered: \(refused.text.prefix(200))")
            #expect(busy.filter { $0.poll() }.isEmpty, "a busy connection was closed to make room")
            for socket in busy { socket.disconnect() }
            let counted = await poll(timeout: .seconds(10)) {
                metrics = (try? await HeldSocket.get(port: gateway.port, "/metrics")) ?? ""
                return HeldSocket.metric("gateway_server_connections_refused_total", in: metrics) >= 1
            }
            #expect(counted != nil, "gateway_server_connections_refused_total did not count the refusal: \(metrics)")
            #expect(gateway.process.isRunning, stack.logs)
        }
    }
}
