import Foundation

/// One finished request's usage, as a gateway reports it to platform-token-runtime's ledger
/// (`POST` ``RuntimePath/usage``, authenticated with the introspection secret).
///
/// `id` is unique per request and stable across retries (`<gateway writer id>-<sequence>`): the
/// ledger counts a record once however often a batch is sent again.
public struct UsageRecord: Codable, Sendable, Equatable {
    public var id: String
    /// The token's `jti`.
    public var tokenID: String
    public var subject: String
    public var model: String
    public var provider: String
    /// Seconds since the Unix epoch when the request arrived.
    public var time: Int64
    /// Input tokens, the cached ones included (OpenAI's convention).
    public var promptTokens: Int64
    public var completionTokens: Int64
    /// Of `promptTokens`, those read from the provider's prompt cache (priced at the cached rate).
    public var cachedTokens: Int64
    /// What the request cost, by the prices of the provider that served it.
    public var costNanoUSD: NanoUSD
    /// False when neither the provider nor the price table had a price for the model (cost 0).
    public var priced: Bool
    /// True when the answer ended before its usage arrived and the figures are the gateway's
    /// conservative estimate.
    public var estimated: Bool
    /// The gateway process whose quota lease (``QuotaLeaseRequest/holder``) paid for the request,
    /// when the token has a budget: the ledger moves `costNanoUSD` from that lease to the
    /// period's spend when it records the request (once, like everything it records).
    public var leaseHolder: String?

    public init(
        id: String, tokenID: String, subject: String, model: String, provider: String, time: Int64, promptTokens: Int64,
        completionTokens: Int64, cachedTokens: Int64, costNanoUSD: NanoUSD, priced: Bool, estimated: Bool,
        leaseHolder: String? = nil
    ) {
        self.leaseHolder = leaseHolder
        self.id = id
        self.tokenID = tokenID
        self.subject = subject
        self.model = model
        self.provider = provider
        self.time = time
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.costNanoUSD = costNanoUSD
        self.priced = priced
        self.estimated = estimated
    }

    enum CodingKeys: String, CodingKey {
        case id
        case tokenID = "token_id"
        case subject, model, provider, time
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case cachedTokens = "cached_tokens"
        case costNanoUSD = "cost_nano_usd"
        case priced, estimated
        case leaseHolder = "lease_holder"
    }
}

/// The body of a usage report: a batch of records, in any order.
public struct UsageReport: Codable, Sendable, Equatable {
    public var records: [UsageRecord]

    public init(records: [UsageRecord]) { self.records = records }
}

/// The ledger's answer to a report: how many records were new and how many it already had.
public struct UsageReportReceipt: Codable, Sendable, Equatable {
    public var accepted: Int
    public var duplicates: Int

    public init(accepted: Int, duplicates: Int) {
        self.accepted = accepted
        self.duplicates = duplicates
    }
}

/// One row of a usage query (`GET` ``RuntimePath/usage``): the group's keys (those asked for in
/// `group_by`, nil otherwise) and its totals.
public struct UsageTotals: Codable, Sendable, Equatable {
    public var tokenID: String?
    public var subject: String?
    public var model: String?
    /// `YYYY-MM-DD` (UTC).
    public var day: String?
    public var requests: Int64
    public var promptTokens: Int64
    public var completionTokens: Int64
    public var cachedTokens: Int64
    public var spendNanoUSD: NanoUSD

    public init(
        tokenID: String? = nil, subject: String? = nil, model: String? = nil, day: String? = nil, requests: Int64 = 0,
        promptTokens: Int64 = 0, completionTokens: Int64 = 0, cachedTokens: Int64 = 0, spendNanoUSD: NanoUSD = .zero
    ) {
        self.tokenID = tokenID
        self.subject = subject
        self.model = model
        self.day = day
        self.requests = requests
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.spendNanoUSD = spendNanoUSD
    }

    /// Adds another row's figures (its keys are ignored).
    public mutating func add(_ other: UsageTotals) {
        requests += other.requests
        promptTokens += other.promptTokens
        completionTokens += other.completionTokens
        cachedTokens += other.cachedTokens
        spendNanoUSD += other.spendNanoUSD
    }

    /// Adds one record's figures.
    public mutating func add(_ record: UsageRecord) {
        requests += 1
        promptTokens += record.promptTokens
        completionTokens += record.completionTokens
        cachedTokens += record.cachedTokens
        spendNanoUSD += record.costNanoUSD
    }

    enum CodingKeys: String, CodingKey {
        case tokenID = "token_id"
        case subject, model, day, requests
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case cachedTokens = "cached_tokens"
        case spendUSD = "spend_usd"
        case spendNanoUSD = "spend_nano_usd"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tokenID = try container.decodeIfPresent(String.self, forKey: .tokenID)
        subject = try container.decodeIfPresent(String.self, forKey: .subject)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        day = try container.decodeIfPresent(String.self, forKey: .day)
        requests = try container.decode(Int64.self, forKey: .requests)
        promptTokens = try container.decode(Int64.self, forKey: .promptTokens)
        completionTokens = try container.decode(Int64.self, forKey: .completionTokens)
        cachedTokens = try container.decode(Int64.self, forKey: .cachedTokens)
        spendNanoUSD = try container.decode(NanoUSD.self, forKey: .spendNanoUSD)
    }

    /// `spend_usd` is written as a JSON number printed from the integer, never through a Double.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(tokenID, forKey: .tokenID)
        try container.encodeIfPresent(subject, forKey: .subject)
        try container.encodeIfPresent(model, forKey: .model)
        try container.encodeIfPresent(day, forKey: .day)
        try container.encode(requests, forKey: .requests)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(completionTokens, forKey: .completionTokens)
        try container.encode(cachedTokens, forKey: .cachedTokens)
        try container.encode(spendNanoUSD.decimal, forKey: .spendUSD)
        try container.encode(spendNanoUSD, forKey: .spendNanoUSD)
    }
}

/// The answer of a usage query.
public struct UsageQueryAnswer: Codable, Sendable, Equatable {
    public var data: [UsageTotals]

    public init(data: [UsageTotals]) { self.data = data }
}
