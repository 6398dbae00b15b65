import CoreMetrics
import Prometheus
import TokenProtocol

/// The ledger's Prometheus series, in the runtime's registry: `token_runtime_usage_records_total`
/// with `result="accepted"` (new records) or `result="duplicate"` (ids seen before). No
/// per-token labels.
struct LedgerMetrics: Sendable {
    let accepted: CoreMetrics.Counter
    let duplicates: CoreMetrics.Counter

    init(_ metrics: RuntimeMetrics) {
        accepted = CoreMetrics.Counter(
            label: "token_runtime_usage_records_total", dimensions: [("result", "accepted")], factory: metrics.factory)
        duplicates = CoreMetrics.Counter(
            label: "token_runtime_usage_records_total", dimensions: [("result", "duplicate")], factory: metrics.factory)
    }

    func recorded(_ receipt: UsageReportReceipt) {
        if receipt.accepted > 0 { accepted.increment(by: receipt.accepted) }
        if receipt.duplicates > 0 { duplicates.increment(by: receipt.duplicates) }
    }
}
