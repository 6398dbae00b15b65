import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Clients that send garbage, too much, too little, or go away: the gateway answers what it can,
/// and after each one it is still running and serving.
@Suite struct BadClientTests {
    @Test func theGatewayShrugsOffBadClients() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream(chunkDelay: "50ms")
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateway = try await stack.gateway(runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)])
            let token = try await runtime.issue(subject: "bad-clients").token
            let auth = GatewayProcess.auth(token)
            let chatURL = gateway.baseURL + "/v1/chat/completions"

            /// After each bad client: the process is alive and a normal request succeeds.
            func stillServing(after what: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                #expect(gateway.process.isRunning, stack.logs("the gateway died after \(what)"), sourceLocation: sourceLocation)
                let answer = try await gateway.chat(token, "still here")
                #expect(answer.status == 200, stack.logs("after \(what): \(answer)"), sourceLocation: sourceLocation)
            }

            // Garbage bytes as a JSON body.
            var garbage = ByteBuffer(bytes: [0x00, 0x01, 0xFF, 0xFE, 0x7B, 0x7B])
            garbage.writeString("not json at all }}")
            let badJSON = try await HTTP.send(.POST, chatURL, headers: auth, body: garbage)
            #expect(badJSON.status == 400 && badJSON.errorCode == "invalid_json", "\(badJSON)")
            try await stillServing(after: "a garbage body")

            // Valid JSON without a model; a model of the wrong type; an empty body.
            let noModel = try await HTTP.send(.POST, chatURL, headers: auth, body: HTTP.json(["messages": []]))
            #expect(noModel.status == 400 && noModel.errorCode == "missing_required_parameter", "\(noModel)")
            let numericModel = try await HTTP.send(.POST, chatURL, headers: auth, body: HTTP.json(["model": 42]))
            #expect(numericModel.status == 400 && numericModel.isOpenAIError, "\(numericModel)")
            let empty = try await HTTP.send(.POST, chatURL, headers: auth, body: ByteBuffer())
            #expect(empty.status == 400 && empty.isOpenAIError, "\(empty)")
            try await stillServing(after: "bodies without a usable model")

            // Wrong content types: a form body is not JSON (400); a JSON body labelled text/plain is
            // either served or refused with a 4xx, never a 5xx.
            let form = try await HTTP.send(
                .POST, chatURL, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/x-www-form-urlencoded")],
                body: ByteBuffer(string: "model=mock-echo&messages=hello"))
            #expect(form.status == 400 && form.isOpenAIError, "\(form)")
            let textPlain = try await HTTP.send(
                .POST, chatURL, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "text/plain")], body: Bodies.chat())
            #expect(textPlain.status == 200 || ((400..<500).contains(textPlain.status) && textPlain.isOpenAIError), "\(textPlain)")
            try await stillServing(after: "wrong content types")

            // 11 MiB: over the 10 MiB default limit.
            let big = ByteBuffer(repeating: UInt8(ascii: "a"), count: 11 << 20)
            let tooLarge = try await HTTP.send(.POST, chatURL, headers: auth, body: big, timeout: .seconds(30))
            #expect(tooLarge.status == 413 && tooLarge.errorCode == "request_too_large", "\(tooLarge)")
            try await stillServing(after: "an 11 MiB body")

            // Header floods: 2,000 headers, and one 100 KB header. A 4xx or a closed connection.
            let flood = (0..<2_000).map { "X-Flood-\($0): value-\($0)\r\n" }.joined()
            let huge = "X-Huge: " + String(repeating: "h", count: 100_000) + "\r\n"
            for (label, extra) in [("2000 headers", flood), ("a 100 KB header", huge)] {
                let head = "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n\(extra)\r\n"
                let outcome = try await RawConnection.exchange(port: gateway.port, chunks: [Array(head.utf8)], halfClose: false)
                let acceptable = outcome.status.map { (400..<500).contains($0) } ?? outcome.closedByServer
                #expect(acceptable, stack.logs("\(label): \(outcome)"))
                try await stillServing(after: label)
            }

            // Half-closed connections: a partial body, or partial headers, then shutdown(SHUT_WR).
            // The gateway must close its side promptly (no connection left hanging), answering a 4xx at most.
            let partialBody =
                "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"model\":\"mock-echo\",\"mess"
            let partialHead = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz"
            for (label, request) in [("a partial body", partialBody), ("partial headers", partialHead)] {
                let outcome = try await RawConnection.exchange(port: gateway.port, chunks: [Array(request.utf8)], halfClose: true)
                #expect(outcome.closedByServer, stack.logs("\(label) then half-close: connection left open: \(outcome)"))
                if let status = outcome.status { #expect((400..<500).contains(status), "\(label): \(outcome)") }
                try await stillServing(after: "\(label) then a half-close")
            }

            // A client that disconnects mid-stream (the upstream sends a word every 50 ms).
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                var request = HTTPClientRequest(url: chatURL)
                request.method = .POST
                for (name, value) in auth { request.headers.add(name: name, value: value) }
                let words = (1...100).map { "word\($0)" }.joined(separator: " ")
                request.body = .bytes(Bodies.chat(words, stream: true))
                let response = try await client.execute(request, timeout: .seconds(30))
                #expect(response.status == .ok)
                var received = ""
                for try await chunk in response.body {
                    received += String(buffer: chunk)
                    if received.contains("word2") { break }
                }
                #expect(received.contains("word2"), "\(received)")
                #expect(!received.contains("[DONE]"), "the stream should still be running: \(received)")
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()  // drops the connection mid-stream
            try await stillServing(after: "a client gone mid-stream")
            // And the streaming path itself still works end to end.
            let stream = try await gateway.post("/v1/chat/completions", token: token, body: Bodies.chat("a b c", stream: true))
            #expect(stream.status == 200 && stream.body.hasSuffix("data: [DONE]\n\n"), "\(stream)")

            #expect(try await gateway.get("/healthz").status == 200)
            #expect(!gateway.process.stderr.contains("Fatal error"), stack.logs)
            #expect(gateway.process.isRunning, stack.logs)
        }
    }
}
