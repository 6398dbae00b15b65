import Foundation
import Logging
import Metrics
import PostgresNIO
import Prometheus
import ServiceLifecycle
import TestSupport
import Testing
import ServiceSupport
import TokenRuntime
@testable import Gateway

/// PostgresAuditSink against a real PostgreSQL server: every field back, batching, an outage in
/// the middle of a run, the full queue, the shutdown flush.
@Suite(.enabled(if: AuditTestDatabase.isConfigured, "needs LJQ_TEST_DATABASE_URL (scripts/ci/postgres.sh start)"))
struct PostgresAuditSinkTests {
    /// A sink on a schema of its own, its client running; `runWriter` also runs the sink itself.
    func withSink(
        _ label: String, url: PostgresURL? = nil, runWriter: Bool = true,
        configure: (inout PostgresAuditSink.Configuration) -> Void = { _ in },
        _ body: (PostgresAuditSink, PrometheusCollectorRegistry) async throws -> Void
    ) async throws {
        let url = try url ?? AuditTestDatabase.url()
        let schema = AuditTestDatabase.uniqueSchema(label)
        var configuration = PostgresAuditSink.Configuration(
            schema: schema, delivery: .init(writeTimeout: .seconds(1), retryMaximum: .milliseconds(500)))
        configure(&configuration)
        let registry = PrometheusCollectorRegistry()
        let client = try AuditTestDatabase.client(url)
        let sink = try PostgresAuditSink(
            client: client, configuration: configuration, metricsFactory: PrometheusMetricsFactory(registry: registry),
            logger: AuditTestDatabase.logger("audit-\(label)"))
        try await AuditTestDatabase.withServices(runWriter ? [client, sink] : [client]) {
            try await sink.migrate()
            try await body(sink, registry)
        }
        await AuditTestDatabase.dropSchema(schema, url: url)
    }

    static func record(_ index: Int, prefix: String, time: Double = 1_800_000_000) -> AuditRecord {
        AuditRecord(
            time: time + Double(index) / 1_000, requestID: "\(prefix)-\(index)", tokenID: "tok_\(index % 7)",
            subject: "subject-\(index % 3)", route: "/v1/chat/completions", model: "gpt-4o-mini", provider: "openai",
            status: 200, latencyMs: 12.5 + Double(index), attempts: 1, promptTokens: index, completionTokens: 2 * index,
            clientAddress: "10.0.0.\(index % 250)")
    }

    func waitUntilWritten(_ sink: PostgresAuditSink, within limit: Duration = .seconds(10)) async throws {
        let empty = try await AuditTestDatabase.eventually(within: limit) { sink.queuedCount == 0 }
        try #require(empty, "the audit queue did not drain")
    }

    @Test func recordsComeBackWithEveryField() async throws {
        try await withSink("fields") { sink, _ in
            let full = AuditRecord(
                time: 1_800_000_123.456789, requestID: "fields-full", tokenID: "tok_0123456789abcdef01234567",
                subject: "alice", route: "/v1/chat/completions", model: "gpt-4o-mini", provider: "openai-east", status: 200,
                latencyMs: 123.25, attempts: 2, attemptLog: "openai-west:429 openai-east:200", promptTokens: 31, completionTokens: 207, clientAddress: "2001:db8::1")
            let bare = AuditRecord(time: 1_800_000_124, requestID: "fields-bare", route: "/v1/models", status: 401, latencyMs: 0.5)
            let stream = AuditRecord(
                time: 1_800_000_125.5, requestID: "fields-stream", tokenID: "tok_x", subject: "bob", route: "/api/v1/completions",
                model: "m", provider: "p", status: 499, latencyMs: 9_999.125, attempts: 0, promptTokens: 10, completionTokens: nil,
                clientAddress: nil)
            for record in [full, bare, stream] { sink.record(record) }
            try await waitUntilWritten(sink)
            #expect(try await sink.fetchRecords(requestIDPrefix: "fields-") == [full, bare, stream])
            #expect(try await sink.fetchRecords(requestIDPrefix: "nothing-").isEmpty)
            #expect(await sink.isHealthy())
        }
    }

    @Test func recordsAreWrittenInBatchesBySizeAndByTime() async throws {
        try await withSink("batches", runWriter: false, configure: { $0.batchSize = 100; $0.flushInterval = .milliseconds(100) }) { sink, registry in
            for index in 0..<250 { sink.record(Self.record(index, prefix: "batch")) }
            try await AuditTestDatabase.withServices([sink]) {
                try await waitUntilWritten(sink)
                // Two full batches at once, then the partial one after the flush interval.
                let text = registry.emitToString()
                #expect(text.contains("gateway_audit_batch_duration_seconds_count 3"))
                #expect(text.contains("gateway_audit_written_total 250"))

                // A lone record goes out by the flush interval, without a full batch behind it.
                sink.record(Self.record(999, prefix: "batch-lone"))
                try await waitUntilWritten(sink, within: .seconds(10))
            }
            let records = try await sink.fetchRecords(requestIDPrefix: "batch-")
            #expect(records.count == 251)
            #expect(records.prefix(250).map(\.requestID) == (0..<250).map { "batch-\($0)" })
        }
    }

    @Test func anOutageLosesNothingAndDuplicatesNothing() async throws {
        let cluster = try await TestCluster.start("audit-outage")
        do {
            try await withSink("outage", url: cluster.url) { sink, registry in
                for index in 0..<200 { sink.record(Self.record(index, prefix: "outage")) }
                try await waitUntilWritten(sink)
                try await cluster.stopServer()
                // Accepted while the database is away: all of these must arrive once it is back.
                for index in 200..<1_200 {
                    sink.record(Self.record(index, prefix: "outage"))
                    if index % 100 == 0 { try await Task.sleep(for: .milliseconds(50)) }
                }
                let failed = try await AuditTestDatabase.eventually { !(await sink.isHealthy()) }
                #expect(failed)
                #expect(sink.queuedCount == 1_000)

                try await cluster.startServer()
                try await waitUntilWritten(sink, within: .seconds(30))
                let records = try await sink.fetchRecords(requestIDPrefix: "outage-")
                #expect(records.count == 1_200)
                #expect(Set(records.map(\.requestID)).count == 1_200)
                #expect(records.map(\.requestID) == (0..<1_200).map { "outage-\($0)" })
                #expect(sink.droppedCount == 0)
                #expect(await sink.isHealthy())
            }
        } catch {
            await cluster.remove()
            throw error
        }
        await cluster.remove()
    }

    @Test func aBatchWrittenTwiceIsStoredOnce() async throws {
        // The connection dies after COMMIT but before the answer: the writer cannot know the batch
        // was stored, and writes it again.
        try await withSink("twice", runWriter: false) { sink, _ in
            for index in 0..<20 { sink.record(Self.record(index, prefix: "twice")) }
            let batch = sink.delivery.peek(10)
            _ = try await sink.client.query(sink.sql.insert(batch, writer: sink.writerID)).collect()
            try await AuditTestDatabase.withServices([sink]) { try await waitUntilWritten(sink) }
            let records = try await sink.fetchRecords(requestIDPrefix: "twice-")
            #expect(records.map(\.requestID) == (0..<20).map { "twice-\($0)" })
        }
    }

    @Test func aFullQueueDropsTheNewestAndCountsThem() async throws {
        try await withSink("full", runWriter: false, configure: { $0.capacity = 10 }) { sink, registry in
            let start = ContinuousClock.now
            for index in 0..<15 { sink.record(Self.record(index, prefix: "full")) }
            #expect(ContinuousClock.now - start < .seconds(1))
            #expect(sink.droppedCount == 5)
            #expect(sink.queuedCount == 10)
            #expect(registry.emitToString().contains(#"gateway_audit_dropped_total{reason="queue_full"} 5"#))
            try await AuditTestDatabase.withServices([sink]) { try await waitUntilWritten(sink) }
            let records = try await sink.fetchRecords(requestIDPrefix: "full-")
            #expect(records.map(\.requestID) == (0..<10).map { "full-\($0)" })
        }
    }

    @Test func gracefulShutdownFlushesTheQueue() async throws {
        // A flush interval far longer than the test: only the shutdown flush can write these.
        try await withSink("flush", runWriter: false, configure: { $0.flushInterval = .seconds(60) }) { sink, registry in
            for index in 0..<50 { sink.record(Self.record(index, prefix: "flush")) }
            try await AuditTestDatabase.withServices([sink]) {
                try await Task.sleep(for: .milliseconds(200))
                #expect(sink.queuedCount == 50)
            }
            #expect(sink.queuedCount == 0)
            #expect(try await sink.fetchRecords(requestIDPrefix: "flush-").count == 50)
            #expect(registry.emitToString().contains(#"gateway_audit_dropped_total{reason="shutdown"} 0"#))
        }
    }

    @Test func shutdownWithoutTheDatabaseGivesUpAfterTheGracePeriodAndCounts() async throws {
        let url = try PostgresURL("postgres://ljq:x@127.0.0.1:\(try AuditTestDatabase.closedPort())/ljq_test")
        let registry = PrometheusCollectorRegistry()
        let client = try AuditTestDatabase.client(url)
        let sink = try PostgresAuditSink(
            client: client,
            configuration: .init(
                schema: AuditTestDatabase.uniqueSchema("grace"),
                delivery: .init(writeTimeout: .milliseconds(300), retryMaximum: .milliseconds(200), shutdownGracePeriod: .seconds(1))),
            metricsFactory: PrometheusMetricsFactory(registry: registry), logger: AuditTestDatabase.logger("grace", level: .critical))
        for index in 0..<7 { sink.record(Self.record(index, prefix: "grace")) }
        let start = ContinuousClock.now
        try await AuditTestDatabase.withServices([client, sink]) { try await Task.sleep(for: .milliseconds(300)) }
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(registry.emitToString().contains(#"gateway_audit_dropped_total{reason="shutdown"} 7"#))
        #expect(await sink.isHealthy() == false)
    }

    @Test func anUnreachableDatabaseFailsMigrationQuickly() async throws {
        let url = try PostgresURL("postgres://ljq:x@127.0.0.1:\(try AuditTestDatabase.closedPort())/ljq_test")
        let client = try AuditTestDatabase.client(url)
        let sink = try PostgresAuditSink(
            client: client, metricsFactory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()),
            logger: AuditTestDatabase.logger("unreachable", level: .critical))
        try await AuditTestDatabase.withServices([client]) {
            let start = ContinuousClock.now
            await #expect(throws: DeadlineExceeded.self) { try await sink.migrate(timeout: .seconds(2)) }
            #expect(ContinuousClock.now - start < .seconds(10))
            await #expect(throws: DatabaseStartupError.self) {
                try await PostgresStartup.probe(url, variable: "AUDIT_DATABASE_URL", timeout: .seconds(1), logger: AuditTestDatabase.logger("probe"))
            }
        }
    }
}
