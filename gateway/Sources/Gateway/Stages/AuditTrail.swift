import Synchronization
import ServiceSupport
import Tracing

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
    /// The request's trace context when it was opened (nil with tracing off): the hand-off to the
    /// audit sink and the usage ledger is a span of that trace, also at a stream's end, outside
    /// the handler's task-local context.
    private let traceContext: ServiceContext?

    private struct State {
        var record: AuditRecord
        var usage: Usage?
        var price: ModelPrice?
        var streaming = false
        /// A budget's reservation: the lease holder and the worst-case cost reserved.
        var reservation: (holder: String, nanoUSD: Int64)?
        var written = false
        var settlements: [@Sendable (AuditRecord) -> Void] = []
    }

    init(_ record: AuditRecord, sink: any AuditSink, started: ContinuousClock.Instant = .now) {
        self.started = started
        self.sink = sink
        state = Mutex(State(record: record))
        traceContext = ServiceContext.current
    }

    /// The record as it stands.
    var record: AuditRecord { state.withLock { $0.record } }

    /// Changes the record; in the same lock, `price` (what the serving provider charges for the
    /// model; nil leaves the request unpriced), `usage` (what a whole answer reported, or the
    /// gateway's estimate) and `streaming` (the answer is a stream: the stream calls
    /// ``finish(status:usage:unlessStreaming:)`` when it ends, not the middleware) when given.
    func update(
        price: ModelPrice? = nil, usage: Usage? = nil, streaming: Bool = false, _ change: (inout AuditRecord) -> Void
    ) {
        state.withLock { state in
            change(&state.record)
            if let price { state.price = price }
            if let usage { state.usage = usage }
            if streaming { state.streaming = true }
        }
    }

    /// Notes a budget reservation (``BudgetGate``): the record names the lease holder, and a request
    /// whose usage is only the gateway's estimate (a stream cut off before its usage) is charged
    /// the reservation, its worst case.
    func reserve(holder: String, nanoUSD: Int64) {
        state.withLock { $0.reservation = (holder, nanoUSD) }
    }

    /// Runs `settle` with the final record just before it is written.
    func onSettle(_ settle: @escaping @Sendable (AuditRecord) -> Void) {
        state.withLock { $0.settlements.append(settle) }
    }

    /// Settles and writes the record with its final status (and a stream's usage); only the first
    /// call writes. `unlessStreaming`: the middleware's call, which leaves a stream's record to the stream.
    func finish(status: Int, usage: Usage? = nil, unlessStreaming: Bool = false) {
        let latencyMs = (ContinuousClock.now - started).inSeconds * 1000
        let finished: (AuditRecord, [@Sendable (AuditRecord) -> Void])? = state.withLock { state in
            guard !state.written, !(unlessStreaming && state.streaming) else { return nil }
            if let usage { state.usage = usage }
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
            if let reservation = state.reservation {
                state.record.leaseHolder = reservation.holder
                if state.usage?.estimated == true { state.record.costNanoUSD = reservation.nanoUSD }
            }
            defer { state.settlements = [] }
            return (state.record, state.settlements)
        }
        guard let (record, settlements) = finished else { return }
        guard let traceContext else { return hand(record, to: settlements) }
        withStageSpan("gateway.audit", context: traceContext) { span in
            span.updateAttributesIfRecording { attributes in
                attributes["http.response.status_code"] = record.status
                if let prompt = record.promptTokens { attributes["gen_ai.usage.input_tokens"] = prompt }
                if let completion = record.completionTokens { attributes["gen_ai.usage.output_tokens"] = completion }
                if let cost = record.costNanoUSD { attributes["ljq.cost_nano_usd"] = Int(cost) }
            }
            hand(record, to: settlements)
        }
    }

    /// The settlements (the tokens-per-minute charge, the usage report to the ledger), then the sink.
    private func hand(_ record: AuditRecord, to settlements: [@Sendable (AuditRecord) -> Void]) {
        for settle in settlements { settle(record) }
        sink.record(record)
    }
}
