import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import ServiceSupport
import TokenProtocol
@testable import Gateway
import GatewayInProcessRuntime

/// GATEWAY_DATABASE_URL naming a database that does not answer: the gateway still starts and
/// serves, records wait in the queue, and /readyz says the audit sink is down.
@Suite struct AuditFallbackTests {
    @Test func anUnreachableAuditDatabaseDoesNotStopTheGateway() async throws {
        let configuration = try GatewayHarness.configuration(
            ["GATEWAY_DATABASE_URL": "postgres://nobody:secret@127.0.0.1:1/audit", "GATEWAY_SHUTDOWN_GRACE": "500ms"], providers: GatewayHarness.mockProviders())
        let gateway = try await GatewayApplication.build(
            configuration: configuration, logger: Logger(label: "test"), devRuntime: InProcessTokenRuntime())
        let sink = try #require(gateway.audit as? PostgresAuditSink)
        let token = try #require(gateway.generatedDevToken)
        try await gateway.buildApplication().test(.live) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody()) {
                #expect($0.status == .ok)
            }
            try await poll("record queued") { sink.queuedCount == 1 }
            // A write gives up after its 5 s deadline; then readiness says so.
            try await poll("audit reported down", within: .seconds(20)) {
                try await client.execute(uri: "/readyz", method: .get) { response in
                    response.status == .serviceUnavailable && String(buffer: response.body).contains(#""audit":"down""#)
                }
            }
        }
    }

    @Test func aMalformedDatabaseURLIsAConfigurationError() {
        #expect {
            try GatewayHarness.configuration(["GATEWAY_DATABASE_URL": "mysql://x"], providers: GatewayHarness.mockProviders())
        } throws: { ($0 as? ConfigurationErrors)?.errors.map(\.variable) == ["GATEWAY_DATABASE_URL"] }
    }
}
