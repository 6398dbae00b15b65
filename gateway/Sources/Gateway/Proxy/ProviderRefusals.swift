/// What the providers of one request refused with, turned into the one answer the client gets
/// when none of them answered.
///
/// - every refusal a rate limit (tried, or left out while cooling down): `429` with the shortest
///   `Retry-After` among them;
/// - else every refusal a rejected key, or rate limits and rejected keys only: the rate limits win
///   when there are any (they end by themselves), else `502` saying the providers rejected the
///   gateway's credentials (never the provider's own message, which can quote part of the key);
/// - otherwise `503` `upstream_busy` when the last provider had no free connection under
///   `GATEWAY_HTTP_MAX_CONNS_PER_HOST` (or the gateway no file descriptor), `504` when the last
///   failure was a timeout, `502` when not.
struct ProviderRefusals: Sendable {
    private(set) var rateLimitSeconds: [Double] = []
    private(set) var credentialProviders: [String] = []
    private(set) var otherFailures = 0
    private(set) var lastProblem = ""
    private(set) var lastWasTimeout = false
    private(set) var lastWasBusy = false
    private(set) var lastReason: FallbackPolicy.Reason?

    /// A rate-limited provider, tried or left out, free again in `seconds`.
    mutating func rateLimited(_ provider: String, seconds: Double, tried: Bool) {
        rateLimitSeconds.append(seconds)
        lastProblem = "\(provider) is rate limited" + (tried ? "" : " (cooling down)")
        lastWasTimeout = false
        lastWasBusy = false
        if tried { lastReason = .rateLimited }
    }

    /// A provider that rejected (or had rejected) the gateway's own key.
    mutating func credentialsRejected(_ provider: String, status: Int, tried: Bool) {
        if !credentialProviders.contains(provider) { credentialProviders.append(provider) }
        lastProblem = "\(provider) rejected the gateway's credentials (\(status))"
        lastWasTimeout = false
        lastWasBusy = false
        if tried { lastReason = .credentialsRejected }
    }

    /// A server error, timeout or connection failure.
    mutating func failed(_ reason: FallbackPolicy.Reason, problem: String) {
        otherFailures += 1
        lastProblem = problem
        lastWasTimeout = reason == .timeout
        lastWasBusy = false
        lastReason = reason
    }

    /// No connection could be had (the per-host cap stayed full, or no file descriptor was left):
    /// the gateway's own limit, not the provider's condition.
    mutating func busy(problem: String) {
        otherFailures += 1
        lastProblem = problem
        lastWasTimeout = false
        lastWasBusy = true
    }

    func error(model: String, attempts: Int) -> OpenAIError {
        if otherFailures == 0, let shortest = rateLimitSeconds.min() {
            return .providersRateLimited(model, retryAfter: max(1, Int(shortest.rounded(.up))))
        }
        if otherFailures == 0, !credentialProviders.isEmpty {
            return .upstreamCredentialsRejected(model, providers: credentialProviders)
        }
        let message = "No provider could answer for model '\(model)' after \(attempts) attempt(s); last: \(lastProblem)."
        if lastWasBusy { return .upstreamBusy(message) }
        return lastWasTimeout ? .upstreamTimeout(message) : .upstreamFailed(message)
    }
}
