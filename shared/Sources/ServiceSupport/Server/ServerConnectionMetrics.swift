import CoreMetrics

/// The inbound connection metrics of one server, `<prefix>_server_*`:
/// - `connections_open` (gauge): open connections;
/// - `connections_closed_total{reason}`: closed by `header_timeout`, `body_timeout` or `idle_timeout`;
/// - `connections_evicted_total`: idle connections closed to make room at the cap;
/// - `connections_refused_total`: new connections closed at once because the cap was reached and
///   none was idle.
public final class ServerConnectionMetrics: Sendable {
    let open: CoreMetrics.Gauge
    let closed: [ConnectionDeadlines.Reason: CoreMetrics.Counter]
    let evicted: CoreMetrics.Counter
    let refused: CoreMetrics.Counter

    /// `prefix` is the service's metric prefix (`gateway`, `token_runtime`).
    public init(prefix: String, factory: any MetricsFactory) {
        open = CoreMetrics.Gauge(label: "\(prefix)_server_connections_open", factory: factory)
        var closed: [ConnectionDeadlines.Reason: CoreMetrics.Counter] = [:]
        for reason in ConnectionDeadlines.Reason.allCases {
            closed[reason] = CoreMetrics.Counter(
                label: "\(prefix)_server_connections_closed_total", dimensions: [("reason", reason.rawValue)], factory: factory)
        }
        self.closed = closed
        evicted = CoreMetrics.Counter(label: "\(prefix)_server_connections_evicted_total", factory: factory)
        refused = CoreMetrics.Counter(label: "\(prefix)_server_connections_refused_total", factory: factory)
        open.record(0)
    }

    func closedByTimeout(_ reason: ConnectionDeadlines.Reason) {
        closed[reason]?.increment()
    }
}
