import Hummingbird
import ServiceSupport
import TokenProtocol

/// `POST /v1/usage` (gateways report usage) and `GET /v1/usage` (totals).
///
/// Reporting takes the introspection secret (or the admin key). Querying takes the admin key for
/// any filter; the introspection secret may ask about one token (`token_id`), which is how a
/// gateway answers a key holder's own `GET /v1/usage`.
struct UsageRoutes: Sendable {
    let ledger: any UsageLedger
    let auth: CallerAuthentication
    let metrics: LedgerMetrics
    /// Budget alerts, checked in the background for the tokens of each report with new records.
    var alerts: BudgetAlerts? = nil

    func register(on router: Router<RuntimeRequestContext>) {
        router.post(RouterPath(RuntimePath.usage)) { request, context in try await report(request, context: context) }
        router.get(RouterPath(RuntimePath.usage)) { request, context in try await query(request, context: context) }
    }

    func report(_ request: Request, context: RuntimeRequestContext) async throws -> Response {
        try auth.requireIntrospector(request, context: context, allowAdmin: true)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json")
        }
        let body = try await RequestBodyReader.read(request, limit: UsageReportLimits.maxBodyBytes)
        let report = try JSONBody.decode(UsageReport.self, from: body)
        if let problem = UsageReportLimits.problem(in: report) { throw APIError.invalidRequest(problem) }
        let receipt = try await Self.ledgerCall { try await ledger.record(report.records) }
        metrics.recorded(receipt)
        if receipt.accepted > 0 { alerts?.checkInBackground(report.records) }
        context.logger.debug(
            "usage recorded", metadata: ["usage.accepted": "\(receipt.accepted)", "usage.duplicates": "\(receipt.duplicates)"])
        return JSONBody.response(.ok, receipt)
    }

    func query(_ request: Request, context: RuntimeRequestContext) async throws -> Response {
        let caller = try auth.requireIntrospector(request, context: context, allowAdmin: true)
        let parameters = try UsageQueryParameters(request.uri.queryParameters)
        if caller == .introspector, parameters.filter.tokenIDs == nil {
            throw APIError(
                .forbidden, "access_denied",
                "the introspection secret may query one token's usage (token_id); other queries need the admin key")
        }
        let rows = try await Self.ledgerCall {
            if let largest = parameters.largest {
                return try await ledger.largest(parameters.filter, groupBy: parameters.grouping, limit: largest)
            }
            return try await ledger.query(parameters.filter, groupBy: parameters.grouping)
        }
        return JSONBody.response(.ok, UsageQueryAnswer(data: rows))
    }

    /// A ledger call whose failure is a 503 in the API's error envelope.
    static func ledgerCall<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch UsageLedgerError.unavailable {
            throw APIError(.serviceUnavailable, "temporarily_unavailable", "usage ledger unavailable")
        }
    }
}
