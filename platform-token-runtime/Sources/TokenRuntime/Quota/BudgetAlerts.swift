import Logging
import ServiceSupport
import TokenProtocol

/// Announces `budget` events: once a token's spend in its current period reaches 50, 80 or 100 %
/// of its budget, one ``BudgetAlertEvent`` per token, period and threshold, even with several
/// replicas (the store's alert marks decide who announces).
///
/// Checked after usage is recorded, for the tokens of the report, against the period that
/// contains the runtime's clock. Failures are logged and dropped: alerts never hold up or fail a
/// usage report, and a threshold still unmarked is announced by the next report of that token.
public struct BudgetAlerts: Sendable {
    let quota: any QuotaStore
    let tokens: any TokenStore
    let announcer: any StreamAnnouncer
    let clock: any WallClock
    let logger: Logger

    public init(
        quota: any QuotaStore, tokens: any TokenStore, announcer: any StreamAnnouncer, clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) {
        self.quota = quota
        self.tokens = tokens
        self.announcer = announcer
        self.clock = clock
        self.logger = logger
    }

    /// Checks the tokens of `records` in the background and returns at once.
    public func checkInBackground(_ records: [UsageRecord]) {
        let ids = Set(records.map(\.tokenID))
        Task { await check(tokenIDs: ids) }
    }

    /// Checks each token; returns the events announced.
    @discardableResult
    public func check(tokenIDs: Set<String>) async -> [BudgetAlertEvent] {
        var announced: [BudgetAlertEvent] = []
        for tokenID in tokenIDs.sorted() {
            do {
                announced += try await check(tokenID: tokenID)
            } catch {
                logger.warning("budget alert check failed", metadata: ["token.id": "\(tokenID)", "error": "\(error)"])
            }
        }
        return announced
    }

    func check(tokenID: String) async throws -> [BudgetAlertEvent] {
        guard let record = try await tokens.record(id: tokenID), let budget = record.policy.maxBudget else { return [] }
        let period = record.policy.budgetPeriod ?? .total
        let now = Int64(clock.now().rounded(.down))
        let window = period.window(containing: now)
        let spent = try await quota.spent(tokenID: tokenID, from: window.start, to: window.end)
        var announced: [BudgetAlertEvent] = []
        // Every threshold reached in this period; the marks make each one announce once.
        for threshold in BudgetAlertEvent.crossed(before: .zero, after: spent, budget: budget) {
            guard try await quota.markAlert(tokenID: tokenID, periodStart: window.start, thresholdPercent: threshold) else { continue }
            let event = BudgetAlertEvent(
                jti: tokenID, subject: record.subject, thresholdPercent: threshold, spentNanoUSD: spent, maxBudgetNanoUSD: budget,
                budgetPeriod: period, periodStart: window.start, periodEnd: window.end, time: now)
            await announcer.announce(.budget(event))
            announced.append(event)
        }
        return announced
    }
}
