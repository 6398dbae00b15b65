import ServiceSupport
import CoreMetrics

/// The audit sink's metrics, created with an explicit factory (one registry per app or test).
///
/// `gateway_audit_dropped_total{reason}` counts every record that will never reach the database:
/// `queue_full` (refused by ``PostgresAuditSink/record(_:)``) and `shutdown` (still queued when
/// the shutdown grace period ran out).
public final class AuditMetrics: Sendable {
    let droppedQueueFull: CoreMetrics.Counter
    let droppedShutdown: CoreMetrics.Counter
    let written: CoreMetrics.Counter
    let writeErrors: CoreMetrics.Counter
    let queueDepth: CoreMetrics.Gauge
    let batchDuration: CoreMetrics.Timer

    public init(factory: any MetricsFactory) {
        droppedQueueFull = .init(label: "gateway_audit_dropped_total", dimensions: [("reason", "queue_full")], factory: factory)
        droppedShutdown = .init(label: "gateway_audit_dropped_total", dimensions: [("reason", "shutdown")], factory: factory)
        written = .init(label: "gateway_audit_written_total", factory: factory)
        writeErrors = .init(label: "gateway_audit_write_errors_total", factory: factory)
        queueDepth = .init(label: "gateway_audit_queue_depth", factory: factory)
        batchDuration = .init(label: "gateway_audit_batch_duration_seconds", factory: factory)
    }
}
