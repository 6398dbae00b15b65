import Hummingbird
import TokenProtocol

/// The API stage after limits, on the routes that reach a provider: when the request's record
/// settles with usage, its tokens and cost go to the metrics and, as a ``UsageRecord``, to the
/// ledger (``UsageReporter``; absent in a gateway without one).
struct UsageMiddleware: RouterMiddleware {
    typealias Context = AuthenticatedRequestContext
    let reporter: UsageReporter?
    let metrics: UsageMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let reporter = reporter
        let metrics = metrics
        context.audit.onSettle { record in
            guard let usage = UsageMiddleware.usageRecord(record) else { return }
            metrics.record(record)
            reporter?.report(usage)
        }
        return try await next(request, context)
    }

    /// The ledger's view of a settled record: only requests a provider served with some usage.
    static func usageRecord(_ record: AuditRecord) -> UsageRecord? {
        guard let tokenID = record.tokenID, let model = record.model, let provider = record.provider,
            record.promptTokens != nil || record.completionTokens != nil
        else { return nil }
        return UsageRecord(
            id: "", tokenID: tokenID, subject: record.subject ?? "", model: model, provider: provider, time: Int64(record.time),
            promptTokens: Int64(record.promptTokens ?? 0), completionTokens: Int64(record.completionTokens ?? 0),
            cachedTokens: Int64(record.cachedTokens ?? 0), costNanoUSD: NanoUSD(record.costNanoUSD ?? 0),
            priced: record.costNanoUSD != nil, estimated: record.usageEstimated, leaseHolder: record.leaseHolder)
    }
}
