import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

/// Wrong admin keys and introspection secrets are charged to the caller's address
/// (`TOKEN_RUNTIME_AUTH_FAILURE_LIMIT`); over budget, even the right credential gets 429 until the
/// budget refills. Through a live server, so the requests have a peer address.
@Suite struct CallerAuthFailureBudgetTests {
    let clock = ManualWallClock(1_800_000_000)

    func withLiveApp(limit: Int, _ body: @Sendable (any TestClientProtocol, RuntimeConfiguration) async throws -> Void) async throws {
        var configuration = RuntimeConfiguration.testing()
        configuration.authFailureLimit = limit
        let runtime = RuntimeApplication(configuration: configuration, clock: clock)
        let app = Application(router: runtime.buildRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let configured = configuration
        try await app.test(.live) { client in try await body(client, configured) }
    }

    func status(_ client: some TestClientProtocol, _ uri: String, key: String) async throws -> (HTTPResponse.Status, String?) {
        try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(key)"]) { response in
            (response.status, response.headers[.retryAfter])
        }
    }

    @Test func wrongCredentialsSpendTheAddressBudgetThenEvenTheRightOneWaits() async throws {
        try await withLiveApp(limit: 3) { client, configuration in
            for attempt in 1...3 {
                let (code, _) = try await status(client, "/v1/tokens", key: "wrong-admin-key-\(attempt)")
                #expect(code == .unauthorized, "attempt \(attempt)")
            }
            // Over budget: the right key is not even compared.
            let (refused, retryAfter) = try await status(client, "/v1/tokens", key: configuration.adminKey)
            #expect(refused == .tooManyRequests)
            #expect(retryAfter == "20", "3 a minute: one comes back every 20 s")
            let (events, _) = try await status(client, "/v1/events", key: configuration.introspectionSecret)
            #expect(events == .tooManyRequests, "the budget is the address's, whatever the endpoint")
            // One failure's worth refilled: the right key works again.
            clock.advance(by: 20)
            let (allowed, _) = try await status(client, "/v1/tokens", key: configuration.adminKey)
            #expect(allowed == .ok)
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"token_runtime_auth_failures_total{credential="admin_key"} 3"#), "\(text)")
                #expect(text.contains("token_runtime_auth_shed_total 2"), "\(text)")
            }
        }
    }

    @Test func rightCredentialsNeverSpendTheBudget() async throws {
        try await withLiveApp(limit: 1) { client, configuration in
            for _ in 0..<5 {
                let (code, _) = try await status(client, "/v1/tokens", key: configuration.adminKey)
                #expect(code == .ok)
            }
        }
    }

    @Test func aLimitOfZeroTurnsTheBudgetOff() async throws {
        try await withLiveApp(limit: 0) { client, configuration in
            for _ in 0..<5 { _ = try await status(client, "/v1/tokens", key: "wrong-admin-key") }
            let (code, _) = try await status(client, "/v1/tokens", key: configuration.adminKey)
            #expect(code == .ok)
        }
    }
}
