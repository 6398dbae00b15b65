import CoreMetrics
import TokenProtocol

/// The quota authority's Prometheus series, in the runtime's registry:
/// `token_runtime_quota_calls_total` with `result="granted"` (every need met), `"refused"` (a need
/// left unmet) or `"none"` (nothing needed: releases and lease extensions), and
/// `token_runtime_quota_recalls_total` (recalls announced). No per-token labels.
struct QuotaMetrics: Sendable {
    let granted: CoreMetrics.Counter
    let refused: CoreMetrics.Counter
    let none: CoreMetrics.Counter
    let recalls: CoreMetrics.Counter

    init(_ metrics: RuntimeMetrics) {
        granted = CoreMetrics.Counter(label: "token_runtime_quota_calls_total", dimensions: [("result", "granted")], factory: metrics.factory)
        refused = CoreMetrics.Counter(label: "token_runtime_quota_calls_total", dimensions: [("result", "refused")], factory: metrics.factory)
        none = CoreMetrics.Counter(label: "token_runtime_quota_calls_total", dimensions: [("result", "none")], factory: metrics.factory)
        recalls = CoreMetrics.Counter(label: "token_runtime_quota_recalls_total", factory: metrics.factory)
    }

    func answered(_ request: QuotaLeaseRequest, short: Bool) {
        if short {
            refused.increment()
        } else if request.needNanoUSD > 0 || request.needRequests > 0 {
            granted.increment()
        } else {
            none.increment()
        }
    }
}
