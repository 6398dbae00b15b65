/// Where audit records go. `record` never blocks the request: implementations queue and write
/// in the background.
public protocol AuditSink: Sendable {
    func record(_ record: AuditRecord)
    /// True when the sink can currently accept and deliver records (for `/readyz`).
    func isHealthy() async -> Bool
}
