import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceSupport
import TokenProtocol
import TokenRuntime
@testable import Gateway
import GatewayInProcessRuntime

/// Builds gateways for tests from an environment dictionary and a providers JSON string, in dev
/// `inmemory` mode unless the environment says otherwise, with the test's clock and audit sink.
enum GatewayHarness {
    static let devToken = "ljq_" + "TestToken0000000000000000000000000000000000" + "000000"

    static func configuration(_ extra: [String: String] = [:], providers: String) throws -> GatewayConfiguration {
        var env: [String: String] = [
            "GATEWAY_ENV": "dev", "GATEWAY_TOKEN_RUNTIME_MODE": "inmemory", "GATEWAY_PROVIDERS_FILE": "/providers.json",
            "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": "0",
        ]
        env.merge(extra) { _, new in new }
        return try GatewayConfiguration.load(from: env, readFile: { _ in Data(providers.utf8) })
    }

    /// A gateway whose in-process runtime knows the returned token.
    static func build(
        _ extra: [String: String] = [:], providers: String, clock: any WallClock = SystemWallClock(),
        audit: InMemoryAuditSink = InMemoryAuditSink(), ledger: (any UsageLedgerClient)? = nil
    ) async throws -> (GatewayApplication, token: String) {
        let gateway = try await GatewayApplication.build(
            configuration: try configuration(extra, providers: providers), logger: Logger(label: "test"), clock: clock, audit: audit,
            ledger: ledger, devRuntime: InProcessTokenRuntime(clock: clock))
        var token = gateway.generatedDevToken ?? ""
        if let runtime = gateway.verifier as? InProcessTokenRuntime, token.isEmpty {
            token = try await runtime.service.issue(IssueTokenRequest(subject: "tester")).token
        }
        return (gateway, token)
    }

    static func mockProviders(_ models: [String] = ["mock-echo"]) -> String {
        #"{"providers":[{"name":"mock","type":"mock","models":\#(jsonArray(models))}]}"#
    }

    static func upstreamProviders(_ entries: [(name: String, port: Int, models: [String])], timeout: String = "10s") -> String {
        let items = entries.map {
            #"{"name":"\#($0.name)","type":"openai","base_url":"http://127.0.0.1:\#($0.port)","models":\#(jsonArray($0.models)),"timeout":"\#(timeout)"}"#
        }
        return #"{"providers":[\#(items.joined(separator: ","))]}"#
    }

    static func jsonArray(_ items: [String]) -> String {
        "[" + items.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    }

    static func chatBody(
        _ model: String = "mock-echo", _ text: String = "hello there", stream: Bool = false, includeUsage: Bool = true
    ) -> ByteBuffer {
        let options = includeUsage ? #","stream_options":{"include_usage":true}"# : ""
        return ByteBuffer(string: #"{"model":"\#(model)","stream":\#(stream)\#(options),"messages":[{"role":"user","content":"\#(text)"}]}"#)
    }

    static func auth(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .contentType: "application/json"]
    }

    /// Runs `body` with mock upstream servers listening on 127.0.0.1 (ports passed in order).
    static func withUpstreams<T: Sendable>(
        _ servers: [MockUpstreamServer], _ body: @escaping @Sendable ([Int]) async throws -> T
    ) async throws -> T {
        try await withUpstreams(servers.map { server in { server.buildRouter() } }, ports: [], body)
    }

    static func withUpstreams<T: Sendable>(
        _ routers: [@Sendable () -> Router<BasicRequestContext>], ports: [Int], _ body: @escaping @Sendable ([Int]) async throws -> T
    ) async throws -> T {
        guard let first = routers.first else { return try await body(ports) }
        let app = Application(router: first(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in
            try await withUpstreams(Array(routers.dropFirst()), ports: ports + [client.port!], body)
        }
    }
}

extension ByteBuffer {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(readableBytesView))) as? [String: Any] ?? [:]
    }

    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}
