import Synchronization

/// One request's audit record, filled in by the stages as they learn things (the caller, the
/// model, each provider attempt, the usage and the price it is charged at) and written once, when
/// the answer is known: as the middleware returns for a whole answer or an error, at its end for a
/// stream.
///
/// Settlement hooks run just before the record is written, with the final record (usage and cost
/// included): the per-token token-per-minute charge (``LimitsMiddleware``) and the usage report
/// to the ledger (``UsageMiddleware``).
final class AuditTrail: Sendable {
    /// When the request reached the API stages.
    let started: ContinuousClock.Instant
    private let sink: any AuditSink
    private let state: Mutex<State>

    private struct State {
        var record: AuditRecord
        var usage: Usage?
        var price: ModelPrice?
        var streaming = false
        var written = false
        var settlements: [@Sendable (AuditRecord) -> Void] = []
    }

    init(_ record: AuditRecord, sink: any AuditSink, started: ContinuousClock.Instant = .now) {
        self.started = started
        self.sink = sink
        state = Mutex(State(record: record))
    }

    /// The record as it stands.
    var record: AuditRecord { state.withLock { $0.record } }

    func update(_ change: (inout AuditRecord) -> Void) {
        state.withLock { change(&$0.record) }
    }

    /// The usage the answer reported (its whole body, or what a stream relayed of it), or the
    /// gateway's estimate (``Usage/estimated``).
    func record(usage: Usage?) {
        state.withLock { $0.usage = usage }
    }

    /// The price the serving provider charges for the model; nil leaves the request unpriced.
    func charge(at price: ModelPrice?) {
        state.withLock { $0.price = price }
    }

    /// Runs `settle` with the final record just before it is written.
    func onSettle(_ settle: @escaping @Sendable (AuditRecord) -> Void) {
        state.withLock { $0.settlements.append(settle) }
    }

    /// The answer is a stream: the stream calls ``finish(status:)`` when it ends, not the middleware.
    func streams() {
        state.withLock { $0.streaming = true }
    }

    var isStreaming: Bool { state.withLock { $0.streaming } }

    /// Settles and writes the record with its final status; only the first call writes.
    func finish(status: Int) {
        let latencyMs = (ContinuousClock.now - started).inSeconds * 1000
        let finished: (AuditRecord, [@Sendable (AuditRecord) -> Void])? = state.withLock { state in
            guard !state.written else { return nil }
            state.written = true
            state.record.status = status
            state.record.latencyMs = latencyMs
            if let usage = state.usage {
                state.record.promptTokens = usage.promptTokens
                state.record.completionTokens = usage.completionTokens
                state.record.cachedTokens = usage.cachedTokens
                state.record.usageEstimated = usage.estimated
                if let price = state.price { state.record.costNanoUSD = price.cost(usage).value }
            }
            defer { state.settlements = [] }
            return (state.record, state.settlements)
        }
        guard let (record, settlements) = finished else { return }
        for settle in settlements { settle(record) }
        sink.record(record)
    }
}
