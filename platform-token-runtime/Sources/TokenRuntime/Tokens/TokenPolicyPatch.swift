import TokenProtocol

/// `PATCH /v1/tokens/{id}` body: changes to a token's ``TokenPolicy``. A claim's key absent leaves
/// it as it is, present with `null` clears it, present with a value sets it; any other key is
/// refused (so a misspelt claim is not silently ignored).
public struct TokenPolicyPatch: Codable, Sendable, Equatable {
    /// What happens to one claim.
    public enum Change<Value: Sendable & Equatable>: Sendable, Equatable {
        case unchanged
        case clear
        case set(Value)

        func applied(to current: Value?) -> Value? {
            switch self {
            case .unchanged: current
            case .clear: nil
            case .set(let value): value
            }
        }
    }

    public var rateLimitRPM: Change<Int> = .unchanged
    public var rateLimitTPM: Change<Int> = .unchanged
    public var models: Change<[String]> = .unchanged
    public var maxBudget: Change<NanoUSD> = .unchanged
    public var budgetPeriod: Change<BudgetPeriod> = .unchanged

    public init(
        rateLimitRPM: Change<Int> = .unchanged, rateLimitTPM: Change<Int> = .unchanged, models: Change<[String]> = .unchanged,
        maxBudget: Change<NanoUSD> = .unchanged, budgetPeriod: Change<BudgetPeriod> = .unchanged
    ) {
        self.rateLimitRPM = rateLimitRPM
        self.rateLimitTPM = rateLimitTPM
        self.models = models
        self.maxBudget = maxBudget
        self.budgetPeriod = budgetPeriod
    }

    /// `policy` with the changes made (not yet validated).
    public func applied(to policy: TokenPolicy) -> TokenPolicy {
        TokenPolicy(
            rateLimitRPM: rateLimitRPM.applied(to: policy.rateLimitRPM),
            rateLimitTPM: rateLimitTPM.applied(to: policy.rateLimitTPM),
            models: models.applied(to: policy.models),
            maxBudget: maxBudget.applied(to: policy.maxBudget),
            budgetPeriod: budgetPeriod.applied(to: policy.budgetPeriod))
    }

    /// True when no claim changes.
    public var isEmpty: Bool { self == TokenPolicyPatch() }

    /// ``TokenPolicy``'s wire names.
    enum Keys: String, CodingKey {
        case rateLimitRPM = "rate_limit_rpm"
        case rateLimitTPM = "rate_limit_tpm"
        case models
        case maxBudget = "max_budget_usd"
        case budgetPeriod = "budget_period"
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        for key in try decoder.container(keyedBy: AnyKey.self).allKeys where Keys(stringValue: key.stringValue) == nil {
            throw TokenServiceError.invalidRequest("unknown field \(key.stringValue); a PATCH may change \(Self.fieldList)")
        }
        let container = try decoder.container(keyedBy: Keys.self)
        func change<Value: Decodable>(_ key: Keys, _ type: Value.Type) throws -> Change<Value> {
            guard container.contains(key) else { return .unchanged }
            if try container.decodeNil(forKey: key) { return .clear }
            return .set(try container.decode(type, forKey: key))
        }
        rateLimitRPM = try change(.rateLimitRPM, Int.self)
        rateLimitTPM = try change(.rateLimitTPM, Int.self)
        models = try change(.models, [String].self)
        budgetPeriod = try change(.budgetPeriod, BudgetPeriod.self)
        if container.contains(.maxBudget) {
            maxBudget = try TokenPolicy.decodeDollars(container, forKey: .maxBudget).map { .set($0) } ?? .clear
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        func write<Value: Encodable>(_ change: Change<Value>, _ key: Keys) throws {
            switch change {
            case .unchanged: break
            case .clear: try container.encodeNil(forKey: key)
            case .set(let value): try container.encode(value, forKey: key)
            }
        }
        try write(rateLimitRPM, .rateLimitRPM)
        try write(rateLimitTPM, .rateLimitTPM)
        try write(models, .models)
        switch maxBudget {
        case .unchanged: break
        case .clear: try container.encodeNil(forKey: .maxBudget)
        case .set(let amount): try container.encode(amount.decimalString, forKey: .maxBudget)
        }
        try write(budgetPeriod, .budgetPeriod)
    }

    static let fieldList = "max_budget_usd, budget_period, rate_limit_rpm, rate_limit_tpm and models"
}
