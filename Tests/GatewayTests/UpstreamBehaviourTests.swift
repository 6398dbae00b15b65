import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import ServiceSupport
import TokenProtocol
@testable import Gateway

/// Fallback, upstream errors and streaming, against mock upstream servers on 127.0.0.1.
@Suite struct UpstreamBehaviourTests {
    @Test func fallsBackToTheNextProviderOn5xxAndConnectionErrors() async throws {
        let audit = InMemoryAuditSink()
        try await GatewayHarness.withUpstreams([MockUpstreamServer(failStatus: 503), MockUpstreamServer()]) { ports in
            // A third provider on a port nobody listens on.
            let providers = GatewayHarness.upstreamProviders([
                ("dead", 1, ["mock-echo"]), ("failing", ports[0], ["mock-echo"]), ("healthy", ports[1], ["mock-echo"]),
            ])
            let (gateway, token) = try await GatewayHarness.build(["GATEWAY_ROUTING_STRATEGY": "round_robin"], providers: providers, audit: audit)
            try await gateway.buildApplication().test(.live) { client in
                for _ in 0..<6 {
                    try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody()) { response in
                        #expect(response.status == .ok)
                    }
                }
            }
        }
        let records = audit.records()
        #expect(records.count == 6)
        #expect(records.allSatisfy { $0.provider == "healthy" && $0.status == 200 })
        // Round robin starts at each provider in turn: 3, 2 and 1 attempts.
        #expect(records.map(\.attempts).sorted() == [1, 1, 2, 2, 3, 3])
    }

    @Test func allProvidersFailingIs502AndUpstream4xxPassesThrough() async throws {
        try await GatewayHarness.withUpstreams([MockUpstreamServer(failStatus: 500), MockUpstreamServer(failStatus: 422)]) { ports in
            let providers = GatewayHarness.upstreamProviders([("a", ports[0], ["m5"]), ("b", 1, ["m5"]), ("c", ports[1], ["m4"])])
            let (gateway, token) = try await GatewayHarness.build(providers: providers)
            try await gateway.buildApplication().test(.live) { client in
                try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody("m5")) { response in
                    #expect(response.status == .badGateway)
                    #expect(response.body.errorCode == "upstream_error")
                }
                try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody("m4")) { response in
                    #expect(response.status == .unprocessableContent)
                    #expect(String(buffer: response.body) == #"{"error":{"message":"mock failure","type":"api_error","param":null,"code":null}}"#)
                }
            }
        }
    }

    @Test func aSilentUpstreamIs504AfterTheReadTimeout() async throws {
        try await GatewayHarness.withUpstreams([MockUpstreamServer(headDelay: .milliseconds(1500))]) { ports in
            let (gateway, token) = try await GatewayHarness.build(
                ["GATEWAY_HTTP_READ_TIMEOUT": "300ms"], providers: GatewayHarness.upstreamProviders([("slow", ports[0], ["mock-echo"])]))
            try await gateway.buildApplication().test(.live) { client in
                try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody()) { response in
                    #expect(response.status == .gatewayTimeout)
                    #expect(response.body.errorCode == "upstream_timeout")
                }
                try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            }
        }
    }

    @Test func theFirstChunkReachesTheClientBeforeTheUpstreamHasFinished() async throws {
        // The upstream sends one event, then waits for the test to say go before sending the rest.
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let releaseBox = ReleaseBox(stream: release)
        let makeRouter: @Sendable () -> Router<BasicRequestContext> = {
          let router = Router()
          router.post("/v1/chat/completions") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init { writer in
                try await writer.write(ByteBuffer(string: "data: {\"n\":1}\n\n"))
                await releaseBox.wait()
                try await writer.write(ByteBuffer(string: "data: {\"n\":2}\n\n"))
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            })
          }
          return router
        }
        try await GatewayHarness.withUpstreams([makeRouter], ports: []) { ports in
            let (gateway, token) = try await GatewayHarness.build(providers: GatewayHarness.upstreamProviders([("up", ports[0], ["mock-echo"])]))
            try await gateway.buildApplication().test(.live) { client in
                let port = try #require(client.port)
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                request.body = .bytes(GatewayHarness.chatBody(stream: true))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                #expect(response.status == .ok)
                #expect(response.headers.first(name: "content-type") == "text/event-stream")
                #expect(response.headers.first(name: "cache-control") == "no-cache")
                #expect(response.headers.first(name: "x-accel-buffering") == "no")
                var received = ""
                var released = false
                for try await chunk in response.body {
                    received += String(buffer: chunk)
                    if !released, received.contains("\"n\":1") {
                        // Only now may the upstream finish: a buffering gateway would never get here.
                        #expect(!received.contains("\"n\":2"))
                        releaser.yield()
                        released = true
                    }
                }
                #expect(released)
                #expect(received.hasSuffix("data: [DONE]\n\n"))
                #expect(received.range(of: "\"n\":1")!.lowerBound < received.range(of: "\"n\":2")!.lowerBound)
            }
        }
    }

    @Test func aClientDisconnectMidStreamCancelsTheUpstream() async throws {
        let progress = Mutex((written: 0, stopped: false))
        let makeRouter: @Sendable () -> Router<BasicRequestContext> = {
          let router = Router()
          router.post("/v1/chat/completions") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init { writer in
                defer { progress.withLock { $0.stopped = true } }
                for index in 0..<200 {
                    try await writer.write(ByteBuffer(string: "data: {\"n\":\(index)}\n\n"))
                    progress.withLock { $0.written += 1 }
                    try await Task.sleep(for: .milliseconds(20))
                }
                try await writer.finish(nil)
            })
          }
          return router
        }
        let audit = InMemoryAuditSink()
        try await GatewayHarness.withUpstreams([makeRouter], ports: []) { ports in
            let (gateway, token) = try await GatewayHarness.build(
                providers: GatewayHarness.upstreamProviders([("up", ports[0], ["mock-echo"])]), audit: audit)
            try await gateway.buildApplication().test(.live) { client in
                let port = try #require(client.port)
                let httpClient = HTTPClient()
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                request.body = .bytes(GatewayHarness.chatBody(stream: true))
                let response = try await httpClient.execute(request, timeout: .seconds(10))
                var iterator = response.body.makeAsyncIterator()
                _ = try await iterator.next()
                try await httpClient.shutdown()  // drops the connection mid-stream
                // The upstream stops long before its 200 events (4 s).
                for _ in 0..<100 where !progress.withLock({ $0.stopped }) { try await Task.sleep(for: .milliseconds(20)) }
                #expect(progress.withLock { $0.stopped })
                #expect(progress.withLock { $0.written } < 150)
                // And the gateway keeps serving.
                try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            }
        }
        #expect(audit.records().first?.status == 499)
    }
}

/// Lets a test release an upstream that is waiting.
final class ReleaseBox: Sendable {
    let stream: AsyncStream<Void>
    init(stream: AsyncStream<Void>) { self.stream = stream }
    func wait() async {
        for await _ in stream { return }
    }
}
