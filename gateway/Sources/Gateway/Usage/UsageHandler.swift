import Foundation
import Hummingbird
import Logging
import TokenProtocol

/// `GET /v1/usage`: the calling key's own usage and spend, from the ledger, in total and by model.
/// A finished request shows up once its report reached the ledger (within about a second). A key
/// with a budget also sees `max_budget_usd`, `budget_period`, `period_start`, `period_end` (null for
/// `total`) and `remaining_usd` (the budget less the period's settled spend).
struct UsageHandler: Sendable {
    let ledger: (any UsageLedgerClient)?
    /// For a token with a budget: the budget, its period and what remains, from the quota authority.
    var quota: QuotaLeases?
    let logger: Logger

    /// A budget as the key sees it: `remaining_usd` is the budget less the period's settled spend.
    struct Budget: Encodable {
        var grant: QuotaLeaseGrant

        enum CodingKeys: String, CodingKey {
            case maxBudget = "max_budget_usd"
            case maxBudgetNano = "max_budget_nano_usd"
            case period = "budget_period"
            case periodStart = "period_start"
            case periodEnd = "period_end"
            case remaining = "remaining_usd"
            case remainingNano = "remaining_nano_usd"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            let budget = grant.maxBudgetNanoUSD ?? 0
            let remaining = NanoUSD(max(0, budget - grant.spentNanoUSD))
            try container.encode(NanoUSD(budget).decimal, forKey: .maxBudget)
            try container.encode(budget, forKey: .maxBudgetNano)
            try container.encode(grant.budgetPeriod ?? .total, forKey: .period)
            try container.encode(grant.periodStart ?? 0, forKey: .periodStart)
            try container.encode(grant.periodEnd, forKey: .periodEnd)
            try container.encode(remaining.decimal, forKey: .remaining)
            try container.encode(remaining.value, forKey: .remainingNano)
        }
    }

    struct Answer: Encodable {
        var object = "usage"
        var tokenID: String
        var subject: String
        var totals: UsageTotals
        var byModel: [UsageTotals]
        var budget: Budget?

        enum CodingKeys: String, CodingKey {
            case object
            case tokenID = "token_id"
            case subject
            case byModel = "by_model"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(object, forKey: .object)
            try container.encode(tokenID, forKey: .tokenID)
            try container.encode(subject, forKey: .subject)
            // requests, prompt_tokens, ..., spend_usd, spend_nano_usd at the top level.
            try totals.encode(to: encoder)
            try container.encode(byModel, forKey: .byModel)
            // max_budget_usd, budget_period, period_start, period_end, remaining_usd at the top level.
            try budget?.encode(to: encoder)
        }
    }

    func handle(_ request: Request, context: AuthenticatedRequestContext) async throws -> Response {
        guard let ledger else {
            throw OpenAIError(.serviceUnavailable, "This gateway keeps no usage ledger.", type: "api_error", code: "usage_unavailable")
        }
        let claims = context.claims
        let byModel: [UsageTotals]
        do {
            byModel = try await ledger.totals(tokenID: claims.jti, groupBy: ["model"])
        } catch {
            logger.warning("usage ledger query failed", metadata: ["request.id": "\(context.requestID)", "error": "\(error)"])
            throw OpenAIError(
                .serviceUnavailable, "The usage ledger could not be reached; try again shortly.", type: "api_error",
                code: "usage_unavailable")
        }
        var budget: Budget?
        if claims.policy.maxBudget != nil, let quota {
            guard let grant = await quota.status(claims.jti), grant.maxBudgetNanoUSD != nil else {
                throw OpenAIError(
                    .serviceUnavailable, "The budget service could not be reached; try again shortly.", type: "api_error",
                    code: "usage_unavailable")
            }
            budget = Budget(grant: grant)
        }
        var totals = UsageTotals()
        for row in byModel { totals.add(row) }
        // Grouped by model only: the rows carry no other keys.
        let models = byModel.sorted { ($0.model ?? "") < ($1.model ?? "") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(Answer(tokenID: claims.jti, subject: claims.subject, totals: totals, byModel: models, budget: budget))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
