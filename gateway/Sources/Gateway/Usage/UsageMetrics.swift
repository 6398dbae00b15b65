import CoreMetrics
import Prometheus
import Synchronization

/// What requests used and cost, by provider and model (never by token: the ledger has that):
/// `gateway_usage_tokens_total{provider,model,kind="prompt"|"cached"|"completion"}` (prompt
/// includes cached), `gateway_spend_nano_usd_total{provider,model}`,
/// `gateway_unpriced_requests_total{provider,model}`, `gateway_usage_estimated_total{provider,model}`.
final class UsageMetrics: Sendable {
    struct Handles: Sendable {
        let prompt: CoreMetrics.Counter
        let cached: CoreMetrics.Counter
        let completion: CoreMetrics.Counter
        let spend: CoreMetrics.Counter
        let unpriced: CoreMetrics.Counter
        let estimated: CoreMetrics.Counter
    }

    let factory: PrometheusMetricsFactory
    private let handles = Mutex<[String: Handles]>([:])

    init(factory: PrometheusMetricsFactory) {
        self.factory = factory
    }

    func record(_ record: AuditRecord) {
        guard let provider = record.provider, let model = record.model else { return }
        let key = provider + "\u{0}" + model
        let handles = handles.withLock { handles in
            if let found = handles[key] { return found }
            let labels = [("provider", provider), ("model", model)]
            func tokens(_ kind: String) -> CoreMetrics.Counter {
                CoreMetrics.Counter(label: "gateway_usage_tokens_total", dimensions: labels + [("kind", kind)], factory: factory)
            }
            let made = Handles(
                prompt: tokens("prompt"), cached: tokens("cached"), completion: tokens("completion"),
                spend: CoreMetrics.Counter(label: "gateway_spend_nano_usd_total", dimensions: labels, factory: factory),
                unpriced: CoreMetrics.Counter(label: "gateway_unpriced_requests_total", dimensions: labels, factory: factory),
                estimated: CoreMetrics.Counter(label: "gateway_usage_estimated_total", dimensions: labels, factory: factory))
            handles[key] = made
            return made
        }
        handles.prompt.increment(by: Int64(record.promptTokens ?? 0))
        handles.cached.increment(by: Int64(record.cachedTokens ?? 0))
        handles.completion.increment(by: Int64(record.completionTokens ?? 0))
        if let cost = record.costNanoUSD { handles.spend.increment(by: cost) } else { handles.unpriced.increment() }
        if record.usageEstimated { handles.estimated.increment() }
    }
}
