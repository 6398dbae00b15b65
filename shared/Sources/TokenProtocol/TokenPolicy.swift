import Foundation

/// What one token may do: the per-token policy claims, set when the token is issued, kept by the
/// runtime's store, and answered to the gateway by introspection, which enforces them.
///
/// Declared once, here. Every type that carries them (the issue request, the stored record, the
/// admin view, ``IntrospectionResponse``, the gateway's claims) holds one `TokenPolicy` and
/// flattens its keys into its own JSON object, so the JSON is the same as if each listed the
/// fields itself. A new claim is a property, its coding key, its check in ``validate()`` and its
/// member in ``writeJSONMembers(to:)``, all in this file; then the store's columns and the stage
/// that enforces it.
public struct TokenPolicy: Codable, Sendable, Hashable {
    /// Requests per minute (0 or absent: the gateway's default).
    public var rateLimitRPM: Int?
    /// Tokens per minute (0 or absent: the gateway's default).
    public var rateLimitTPM: Int?
    /// The only models this token may use; absent means any.
    public var models: [String]?
    /// The most the token may spend per ``budgetPeriod`` (absent: no budget). On the wire
    /// `max_budget_usd`, a JSON number or a decimal string, kept exactly (whole nano-dollars).
    public var maxBudget: NanoUSD?
    /// When the budget renews; absent means `total` (never).
    public var budgetPeriod: BudgetPeriod?

    public init(
        rateLimitRPM: Int? = nil, rateLimitTPM: Int? = nil, models: [String]? = nil, maxBudget: NanoUSD? = nil,
        budgetPeriod: BudgetPeriod? = nil
    ) {
        self.rateLimitRPM = rateLimitRPM
        self.rateLimitTPM = rateLimitTPM
        self.models = models
        self.maxBudget = maxBudget
        self.budgetPeriod = budgetPeriod
    }

    /// The wire names. Absent claims are left out of the JSON.
    enum CodingKeys: String, CodingKey {
        case rateLimitRPM = "rate_limit_rpm"
        case rateLimitTPM = "rate_limit_tpm"
        case models
        case maxBudget = "max_budget_usd"
        case budgetPeriod = "budget_period"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rateLimitRPM = try container.decodeIfPresent(Int.self, forKey: .rateLimitRPM)
        rateLimitTPM = try container.decodeIfPresent(Int.self, forKey: .rateLimitTPM)
        models = try container.decodeIfPresent([String].self, forKey: .models)
        maxBudget = try Self.decodeDollars(container, forKey: .maxBudget)
        budgetPeriod = try container.decodeIfPresent(BudgetPeriod.self, forKey: .budgetPeriod)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(rateLimitRPM, forKey: .rateLimitRPM)
        try container.encodeIfPresent(rateLimitTPM, forKey: .rateLimitTPM)
        try container.encodeIfPresent(models, forKey: .models)
        try container.encodeIfPresent(maxBudget?.decimal, forKey: .maxBudget)
        try container.encodeIfPresent(budgetPeriod, forKey: .budgetPeriod)
    }

    /// A dollar amount given as a JSON number or a decimal string, exactly: a non-negative amount
    /// of whole nano-dollars (``NanoUSD/init(decimalUSD:)``), else a decoding error naming the field.
    public static func decodeDollars<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, forKey key: Key) throws -> NanoUSD? {
        guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
        let text: String
        if let string = try? container.decode(String.self, forKey: key) {
            text = string
        } else {
            text = try container.decode(Decimal.self, forKey: key).description
        }
        guard let amount = NanoUSD(decimalUSD: text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container,
                debugDescription: "\(key.stringValue) must be a non-negative number of dollars with at most 9 decimals")
        }
        return amount
    }

    public func allows(model: String) -> Bool {
        models.map { $0.contains(model) } ?? true
    }

    /// A claim that may not be issued; `message` names the wire field and what is allowed.
    public struct Invalid: Error, Sendable, Equatable {
        public var message: String

        public init(message: String) {
            self.message = message
        }
    }

    /// Checks the claims a caller asks a token to be issued with.
    public func validate() throws(Invalid) {
        if let rateLimitRPM, rateLimitRPM < 0 { throw Invalid(message: "rate_limit_rpm must be 0 (unlimited) or more") }
        if let rateLimitTPM, rateLimitTPM < 0 { throw Invalid(message: "rate_limit_tpm must be 0 (unlimited) or more") }
        if let models {
            guard !models.isEmpty else { throw Invalid(message: "models, when given, must name at least one model") }
            for model in models where model.isEmpty || model.utf8.count > 256 {
                throw Invalid(message: "each model must be 1 to 256 characters")
            }
        }
        if budgetPeriod != nil, maxBudget == nil {
            throw Invalid(message: "budget_period needs max_budget_usd")
        }
    }

    /// The budget period in force (`total` when none is set).
    public var period: BudgetPeriod { budgetPeriod ?? .total }

    /// Writes the claims that are set as JSON object members, in sorted key order (what
    /// `JSONEncoder` with `.sortedKeys` writes for this value alone): the runtime's introspection
    /// answer uses this instead of `JSONEncoder` on its hot path.
    @inlinable
    public func writeJSONMembers(to writer: inout some JSONMemberWriter) {
        if let budgetPeriod { writer.member("budget_period", budgetPeriod.rawValue) }
        if let maxBudget { writer.member("max_budget_usd", number: maxBudget.decimalString) }
        if let models { writer.member("models", models) }
        if let rateLimitRPM { writer.member("rate_limit_rpm", Int64(rateLimitRPM)) }
        if let rateLimitTPM { writer.member("rate_limit_tpm", Int64(rateLimitTPM)) }
    }
}

/// A hand-written JSON object writer, for types that write their own members
/// (``TokenPolicy/writeJSONMembers(to:)``). Keys are ASCII and need no escaping; values are
/// escaped as `JSONEncoder` escapes them (slashes unescaped).
public protocol JSONMemberWriter {
    mutating func member(_ key: StaticString, _ value: Int64)
    mutating func member(_ key: StaticString, _ value: String)
    mutating func member(_ key: StaticString, _ values: [String])
    /// A JSON number written as the given decimal text (digits, optional point), unquoted.
    mutating func member(_ key: StaticString, number: String)
}
