import Logging
import PostgresNIO
import ServiceLifecycle
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

/// Postgres token stores for tests: each call gets a schema of its own (dropped afterwards), one
/// PostgresClient per store (as separate replicas would have), and the clients and listeners
/// running as services. `body` starts once every listener is registered.
func withPostgresStores(
    _ count: Int = 1, label: String, maxStaleness: Duration = .seconds(1), runListeners: Bool = true,
    _ body: ([PostgresTokenStore]) async throws -> Void
) async throws {
    let schema = TestDatabase.uniqueSchema(label)
    var clients: [PostgresClient] = []
    var stores: [PostgresTokenStore] = []
    for index in 0..<count {
        let client = try TestDatabase.client(applicationName: "\(schema)-\(index)")
        clients.append(client)
        stores.append(
            try PostgresTokenStore(
                client: client,
                configuration: .init(
                    schema: schema, maxStaleness: maxStaleness,
                    // Generous: these suites run beside every other on two cores; deadlines are tested on their own.
                    queryTimeout: .seconds(10), heartbeatInterval: .milliseconds(500), replicaLiveness: .seconds(5)),
                logger: TestDatabase.logger("store-\(index)")))
    }
    let ready = stores
    try await TestDatabase.withServices(clients + (runListeners ? stores : [])) {
        try await ready[0].migrate()
        if runListeners {
            for store in ready {
                let listening = try await TestDatabase.eventually { store.isServingFromMemory }
                try #require(listening, "the revocation listener did not register")
            }
        }
        try await body(ready)
    }
    await TestDatabase.dropSchema(schema)
}

/// Which store a shared test runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, postgres

    var testDescription: String { rawValue }

    /// Memory always; Postgres when `LJQ_TEST_DATABASE_URL` is set.
    static var available: [StoreKind] { TestDatabase.isConfigured ? [.memory, .postgres] : [.memory] }

    func withStore(_ body: (any TokenStore) async throws -> Void) async throws {
        switch self {
        case .memory:
            try await body(InMemoryTokenStore())
        case .postgres:
            try await withPostgresStores(label: "contract") { stores in try await body(stores[0]) }
        }
    }
}
