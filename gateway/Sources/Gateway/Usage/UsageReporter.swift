import Foundation
import Logging
import ServiceLifecycle
import ServiceSupport
import TokenProtocol

/// Reports every served request's usage to the ledger: queued without waiting, sent in batches
/// (``BatchDelivery``: bounded queue, in order, retried with backoff while the runtime is away,
/// flushed on shutdown, drops counted as `gateway_usage_report_dropped_total`; a batch the ledger
/// refuses as invalid (400) is dropped and counted, `reason="rejected"`, not retried forever). Each record's id is
/// this process's writer id and its queue sequence, so a batch sent again is counted once.
public final class UsageReporter: Service, Sendable {
    public let writerID: String
    let delivery: BatchDelivery<UsageRecord>

    public init(
        ledger: any UsageLedgerClient, configuration: BatchDelivery<UsageRecord>.Configuration, metrics: GatewayMetrics, logger: Logger
    ) {
        let writerID = "gw" + String(UInt64.random(in: .min ... .max), radix: 36)
        self.writerID = writerID
        delivery = BatchDelivery(
            "usage", configuration: configuration, metrics: .init(prefix: "gateway_usage_report", factory: metrics.factory),
            logger: logger
        ) { batch in
            let records = batch.map { item in
                var record = item.record
                record.id = writerID + "-" + String(item.sequence)
                return record
            }
            do {
                _ = try await ledger.report(UsageReport(records: records))
            } catch UsageLedgerClientError.status(let status) where status == 400 || status == 413 || status == 422 {
                // The ledger validates a whole report: it would refuse this one every time.
                throw BatchDelivery<UsageRecord>.Rejected("the ledger answered \(status)")
            }
        }
    }

    /// Queues the usage of one finished request; never waits.
    func report(_ record: UsageRecord) {
        delivery.append(record)
    }

    public var queuedCount: Int { delivery.queuedCount }

    public func run() async throws { await delivery.run() }
}
