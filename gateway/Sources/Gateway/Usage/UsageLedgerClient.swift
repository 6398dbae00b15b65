import AsyncHTTPClient
import Foundation
import NIOCore
import ServiceSupport
import TokenProtocol

/// The usage ledger as the gateway sees it: where finished requests are reported and a token's
/// totals are read. The token runtime owns it (``RemoteUsageLedger``); dev mode uses the
/// in-process runtime's.
public protocol UsageLedgerClient: Sendable {
    /// Records a batch; a record id the ledger has seen is counted once.
    func report(_ report: UsageReport) async throws -> UsageReportReceipt
    /// One token's totals, grouped by `groupBy` (`model`, `day`, ...).
    func totals(tokenID: String, groupBy: [String]) async throws -> [UsageTotals]
}

public enum UsageLedgerClientError: Error, Sendable, Equatable {
    /// The runtime answered with another status (401: the secret is wrong).
    case status(Int)
    case invalidAnswer
}

/// platform-token-runtime's ledger over HTTP (``RuntimePath/usage``), authenticated with the
/// introspection secret.
public struct RemoteUsageLedger: UsageLedgerClient {
    let url: String
    let call: RuntimeJSONCall

    public init(baseURL: String, secret: String, httpClient: HTTPClient, deadline: Duration = .seconds(15)) {
        url = ServiceURL.join(baseURL, RuntimePath.usage)
        call = RuntimeJSONCall(secret: secret, httpClient: httpClient, deadline: deadline)
    }

    public func report(_ report: UsageReport) async throws -> UsageReportReceipt {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(UsageReportJSON.encode(report))
        return try await send(request, as: UsageReportReceipt.self)
    }

    public func totals(tokenID: String, groupBy: [String]) async throws -> [UsageTotals] {
        var query = "?token_id=" + FormEncoding.escape(tokenID)
        if !groupBy.isEmpty { query += "&group_by=" + FormEncoding.escape(groupBy.joined(separator: ",")) }
        return try await send(HTTPClientRequest(url: url + query), as: UsageQueryAnswer.self).data
    }

    private func send<Answer: Decodable>(_ request: HTTPClientRequest, as: Answer.Type) async throws -> Answer {
        try await call.send(
            request, as: Answer.self, limit: 16 << 20, status: UsageLedgerClientError.status, invalid: UsageLedgerClientError.invalidAnswer)
    }
}
