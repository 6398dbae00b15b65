/// One request as the audit trail keeps it. Never the token, never the prompt or the answer.
public struct AuditRecord: Sendable, Equatable, Codable {
    /// Seconds since the Unix epoch, when the request arrived.
    public var time: Double
    public var requestID: String
    /// The token's `jti`; nil when the request was not authenticated.
    public var tokenID: String?
    public var subject: String?
    public var route: String
    public var model: String?
    public var provider: String?
    public var status: Int
    public var latencyMs: Double
    /// Upstream attempts made (fallback makes more than one).
    public var attempts: Int
    /// Each upstream attempt's provider and what it answered, in order, space separated:
    /// `limited:429 healthy:200`, `dead:error`, `slow:timeout`.
    public var attemptLog: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Of `promptTokens`, those the provider read from its prompt cache.
    public var cachedTokens: Int?
    /// What the request cost (nano-USD) by the serving provider's price; nil when unpriced or
    /// nothing was used.
    public var costNanoUSD: Int64?
    /// The token figures are the gateway's estimate: the answer carried no usage.
    public var usageEstimated: Bool = false
    public var clientAddress: String?
    /// The gateway process whose budget lease paid for the request (tokens with a budget).
    public var leaseHolder: String?

    public init(
        time: Double, requestID: String, tokenID: String? = nil, subject: String? = nil, route: String,
        model: String? = nil, provider: String? = nil, status: Int, latencyMs: Double, attempts: Int = 0,
        attemptLog: String? = nil, promptTokens: Int? = nil, completionTokens: Int? = nil, clientAddress: String? = nil
    ) {
        self.time = time
        self.requestID = requestID
        self.tokenID = tokenID
        self.subject = subject
        self.route = route
        self.model = model
        self.provider = provider
        self.status = status
        self.latencyMs = latencyMs
        self.attempts = attempts
        self.attemptLog = attemptLog
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.clientAddress = clientAddress
    }
}
