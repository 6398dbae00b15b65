import Gateway
import ServiceSupport
import TokenProtocol
import TokenRuntime

/// dev only (`GATEWAY_TOKEN_RUNTIME_MODE=inmemory`): the TokenRuntime library runs inside the
/// gateway, the same code as the platform-token-runtime service, with its in-memory store,
/// in-memory usage ledger and the quota authority over them (budgets and per-minute limits).
public struct InProcessTokenRuntime: DevTokenRuntime, UsageLedgerClient, QuotaAuthorityClient {
    public let service: TokenService
    public let ledger: any UsageLedger
    /// The quota authority over the in-memory ledger.
    public let quota: QuotaAuthority

    public init(service: TokenService, ledger: InMemoryUsageLedger = InMemoryUsageLedger()) {
        self.service = service
        self.ledger = ledger
        // One gateway in the process: nobody to recall leases from, so no wait for recalls either.
        quota = QuotaAuthority(
            store: InMemoryQuotaStore(ledger: ledger), tokens: service.store, announcer: DiscardingStreamAnnouncer(),
            clock: service.clock, recallWait: .zero)
    }

    /// The runtime's service on its in-memory store.
    public init(clock: any WallClock = SystemWallClock()) {
        self.init(service: TokenService(store: InMemoryTokenStore(), clock: clock))
    }

    public func report(_ report: UsageReport) async throws -> UsageReportReceipt {
        try await ledger.record(report.records)
    }

    public func totals(tokenID: String, groupBy: [String]) async throws -> [UsageTotals] {
        let grouping = UsageGrouping(parsing: groupBy.joined(separator: ",")) ?? []
        return try await ledger.query(UsageFilter(tokenID: tokenID), groupBy: grouping)
    }

    public func lease(_ request: QuotaLeaseRequest) async throws -> QuotaLeaseGrant {
        do {
            return try await quota.lease(request)
        } catch QuotaError.unknownToken {
            throw QuotaAuthorityError.status(404)
        } catch QuotaError.inactive {
            throw QuotaAuthorityError.status(403)
        } catch QuotaError.invalidRequest {
            throw QuotaAuthorityError.status(400)
        }
    }

    public func verify(_ token: String) async -> TokenVerdict {
        do {
            return TokenVerdict(try await service.introspect(token: token))
        } catch {
            return .unavailable(.error)
        }
    }

    /// Registers the configured dev tokens, or generates one when there are none; returns the
    /// generated token (to be shown once), or nil.
    public func registerDevTokens(_ tokens: [String]) async throws -> String? {
        let request = IssueTokenRequest(subject: "dev", ttlSeconds: service.limits.maxTTL)
        for token in tokens { _ = try await service.register(token: token, request) }
        guard tokens.isEmpty else { return nil }
        return try await service.issue(request).token
    }
}
