import Foundation
import NIOCore
import TokenProtocol

/// The budget step of a proxied request whose token has a budget (`max_budget_usd`), run by the
/// handler once it has read the body: it reserves the request's worst-case cost (``WorstCase``)
/// from this gateway's lease (``QuotaLeases``) before anything is sent, and settles it to the real
/// cost when the request's record settles (a stream cut off before its usage settles at the
/// reservation).
///
/// A request that names no maximum gets one: the smallest output limit of the models' prices
/// (``ModelPrice/maxOutputTokens``), lowered to what the budget still pays for. Refusals: 403 for
/// a model without a price (its cost could not be bounded), 429 `insufficient_quota` when what
/// remains cannot pay the worst case, 503 when the authority cannot be asked and the lease held
/// does not cover it (fail closed).
struct BudgetGate: Sendable {
    let leases: QuotaLeases

    /// Reserves for `probe`'s request and returns the body to send upstream.
    func reserve(
        claims: TokenClaims, probe: RequestProbe, body: ByteBuffer, endpoint: Endpoint, candidates: [Provider], trail: AuditTrail
    ) async throws -> ByteBuffer {
        var prices: [ModelPrice] = []
        for provider in candidates {
            guard let price = provider.price(for: probe.model) else { throw OpenAIError.unpricedModel(probe.model) }
            prices.append(price)
        }
        let prompt = WorstCase.promptTokens(body)
        let named = endpoint == .embeddings ? 0 : probe.maxOutputTokens
        var perChoice = named ?? prices.map { $0.maxOutputTokens ?? ModelPrice.defaultMaxOutputTokens }.min() ?? ModelPrice.defaultMaxOutputTokens
        var cost = Self.worstCost(prices, prompt: prompt, output: perChoice * probe.choices)
        var result = await attempt(claims.jti, cost)
        if case .failure(.insufficientBudget(let available, _)) = result, named == nil {
            // The client named no maximum: lower the one the gateway sets to what remains.
            let affordable = Self.affordableOutput(prices, prompt: prompt, choices: probe.choices, available: available, cap: perChoice)
            if affordable >= 1 {
                perChoice = affordable
                cost = Self.worstCost(prices, prompt: prompt, output: perChoice * probe.choices)
                result = await attempt(claims.jti, cost)
            }
        }
        guard let reservation = try Self.reserved(result, worstCase: cost) else { return body }
        let leases = leases
        let jti = claims.jti
        trail.reserve(holder: leases.holder, nanoUSD: reservation.nanoUSD)
        trail.onSettle { record in
            let charged = record.costNanoUSD ?? 0
            Task { await leases.settle(jti, reservation, cost: charged) }
        }
        guard named == nil else { return body }
        let member = endpoint == .chatCompletions ? "max_completion_tokens" : "max_tokens"
        return WorstCase.inserting(member, perChoice, into: body) ?? body
    }

    private func attempt(_ tokenID: String, _ cost: NanoUSD) async -> Result<QuotaLeases.Reservation?, QuotaLeases.Refusal> {
        do {
            return .success(try await leases.reserve(tokenID, nanoUSD: cost.value))
        } catch {
            return .failure(error)
        }
    }

    /// The reservation (nil: the token has no budget after all), or the client's error for a refusal.
    static func reserved(
        _ result: Result<QuotaLeases.Reservation?, QuotaLeases.Refusal>, worstCase: NanoUSD
    ) throws -> QuotaLeases.Reservation? {
        switch result {
        case .success(let reserved):
            return reserved
        case .failure(.insufficientBudget(let available, let periodEnd)):
            throw OpenAIError.insufficientQuota(worstCase: worstCase, available: available, periodEnd: periodEnd)
        case .failure(.authorityUnavailable), .failure(.requestsExhausted):
            throw OpenAIError.budgetUnavailable()
        case .failure(.tokenInactive):
            throw OpenAIError.invalidToken("The API key is no longer active.")
        }
    }

    /// The highest worst-case cost among the prices (no cached tokens: the full input price).
    static func worstCost(_ prices: [ModelPrice], prompt: Int, output: Int) -> NanoUSD {
        prices.map { $0.cost(Usage(promptTokens: prompt, completionTokens: output)) }.max() ?? .zero
    }

    /// The most completion tokens per choice (at most `cap`) whose worst case `available` pays; 0 when none.
    static func affordableOutput(_ prices: [ModelPrice], prompt: Int, choices: Int, available: Int64, cap: Int) -> Int {
        guard worstCost(prices, prompt: prompt, output: 0).value <= available else { return 0 }
        var low = 0
        var high = cap
        while low < high {  // the largest output that fits, by bisection over exact costs
            let middle = (low + high + 1) / 2
            if worstCost(prices, prompt: prompt, output: middle * choices).value <= available { low = middle } else { high = middle - 1 }
        }
        return low
    }
}
