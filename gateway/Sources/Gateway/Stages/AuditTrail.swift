import Synchronization

/// One request's audit record, filled in by the stages as they learn things (the caller, the
/// model, each provider attempt, the usage) and written once, when the answer is known: as the
/// middleware returns for a whole answer or an error, at its end for a stream.
///
/// Settlement hooks run just before the record is written, with the usage the answer reported:
/// the per-token token-per-minute charge is one (``LimitsMiddleware``).
final class AuditTrail: Sendable {
    /// When the request reached the API stages.
    let started: ContinuousClock.Instant
    private let sink: any AuditSink
    private let state: Mutex<State>

    private struct State {
        var record: AuditRecord
        var usage: Usage?
        var streaming = false
        var written = false
        var settlements: [@Sendable (Usage?) -> Void] = []
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

    /// The usage the answer reported (its whole body, or what a stream relayed of it).
    func record(usage: Usage?) {
        state.withLock { $0.usage = usage }
    }

    /// Runs `settle` with the request's usage just before the record is written.
    func onSettle(_ settle: @escaping @Sendable (Usage?) -> Void) {
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
        let finished: (AuditRecord, Usage?, [@Sendable (Usage?) -> Void])? = state.withLock { state in
            guard !state.written else { return nil }
            state.written = true
            state.record.status = status
            state.record.latencyMs = latencyMs
            state.record.promptTokens = state.usage?.promptTokens
            state.record.completionTokens = state.usage?.completionTokens
            defer { state.settlements = [] }
            return (state.record, state.usage, state.settlements)
        }
        guard let (record, usage, settlements) = finished else { return }
        for settle in settlements { settle(usage) }
        sink.record(record)
    }
}
