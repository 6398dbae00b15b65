import PostgresNIO
import TokenProtocol

/// ``TokenPolicy`` in a row of the tokens table: one column per claim, NULL when the claim is
/// absent. The columns' order here is the order of ``bind(into:)`` and ``init(row:at:)``; the
/// columns themselves are created by ``PostgresTokenSQL/migrations``.
extension TokenPolicy {
    static let postgresColumns = ["rate_limit_rpm", "rate_limit_tpm", "models", "max_budget_nano_usd", "budget_period"]

    func bind(into binds: inout PostgresBindings) {
        binds.append(rateLimitRPM)
        binds.append(rateLimitTPM)
        binds.append(models)
        binds.append(maxBudget?.value)
        binds.append(budgetPeriod?.rawValue)
    }

    /// From the policy's columns, the first at `offset`.
    init(row cells: PostgresRandomAccessRow, at offset: Int) throws {
        let period = try cells[offset + 4].decode(String?.self)
        var budgetPeriod: BudgetPeriod?
        if let period {
            guard let known = BudgetPeriod(rawValue: period) else {
                throw TokenStoreError.unavailable("a stored budget_period is not total, day or month")
            }
            budgetPeriod = known
        }
        self.init(
            rateLimitRPM: try cells[offset].decode(Int?.self),
            rateLimitTPM: try cells[offset + 1].decode(Int?.self),
            models: try cells[offset + 2].decode([String]?.self),
            maxBudget: try cells[offset + 3].decode(Int64?.self).map(NanoUSD.init),
            budgetPeriod: budgetPeriod)
    }
}
