import ServiceSupport
import CoreMetrics

/// Failed authentications and the requests shed before introspection (the forged-token defences).
public final class AuthMetrics: Sendable {
    /// `gateway_auth_failures_total{reason}`.
    let failures: [String: CoreMetrics.Counter]
    /// `gateway_auth_shed_total{limit="client_address"|"miss_rate"}`.
    let shedByAddress: CoreMetrics.Counter
    let shedByMissRate: CoreMetrics.Counter
    /// `gateway_auth_addresses_over_budget` (a count, never the addresses), brought up to date at scrape time.
    let addressesOverBudget: CoreMetrics.Gauge

    public static let reasons = ["malformed", "unknown", "expired", "revoked"]

    public init(factory: any MetricsFactory) {
        var failures: [String: CoreMetrics.Counter] = [:]
        for reason in Self.reasons {
            failures[reason] = .init(label: "gateway_auth_failures_total", dimensions: [("reason", reason)], factory: factory)
        }
        self.failures = failures
        shedByAddress = .init(label: "gateway_auth_shed_total", dimensions: [("limit", "client_address")], factory: factory)
        shedByMissRate = .init(label: "gateway_auth_shed_total", dimensions: [("limit", "miss_rate")], factory: factory)
        addressesOverBudget = .init(label: "gateway_auth_addresses_over_budget", factory: factory)
        addressesOverBudget.record(0)
    }

    func failed(_ reason: String) { failures[reason]?.increment() }
}
