import ServiceSupport
import TokenProtocol

/// Which provider answers move a request on to the next provider serving its model, and how many
/// providers one request may try (`GATEWAY_FALLBACK_STATUSES`, `GATEWAY_MAX_ATTEMPTS`).
///
/// Connection failures and timeouts always move on. A listed status moves on only before any byte
/// reached the client; every other answer (the request's own 400, 404, 413, 422...) passes through.
public struct FallbackPolicy: Sendable, Equatable {
    /// Statuses, single or a whole class (`5xx`).
    public struct Statuses: Sendable, Equatable {
        public var codes: Set<Int>
        /// Classes given as `4xx` / `5xx`: 4 and 5.
        public var classes: Set<Int>

        public init(codes: Set<Int>, classes: Set<Int> = []) {
            self.codes = codes
            self.classes = classes
        }

        public struct ParseError: Error, Equatable {
            public var message: String
        }

        public func contains(_ status: Int) -> Bool { codes.contains(status) || classes.contains(status / 100) }

        /// `401,403,408,429,5xx`: our key refused, a timeout, a rate limit, and every server error
        /// (500, 502, 503, 504, 529 among them).
        public static let standard = Statuses(codes: [401, 403, 408, 429], classes: [5])

        /// Parses the items of a comma-separated list: statuses 400...599, and `4xx` / `5xx` for a class.
        public static func parse(_ items: [String]) -> Result<Statuses, ParseError> {
            var statuses = Statuses(codes: [])
            for item in items {
                let lower = item.lowercased()
                if lower.count == 3, lower.hasSuffix("xx"), let digit = Int(lower.prefix(1)), (4...5).contains(digit) {
                    statuses.classes.insert(digit)
                } else if let code = Int(item), (400...599).contains(code) {
                    statuses.codes.insert(code)
                } else {
                    return .failure(ParseError(message: "\"\(item)\" is not an HTTP status from 400 to 599 (or 4xx, 5xx)"))
                }
            }
            return .success(statuses)
        }
    }

    /// Why an attempt moved the request on.
    public enum Reason: String, Sendable, CaseIterable {
        /// 429: the provider's own rate limit; it cools down for its `Retry-After`.
        case rateLimited = "rate_limited"
        /// 401 or 403: the provider refused the gateway's key; it is out until the key is fixed.
        case credentialsRejected = "credentials_rejected"
        /// Any other listed status (5xx, 408, ...).
        case serverError = "server_error"
        case timeout
        case connectionError = "connection_error"
    }

    public var statuses: Statuses
    /// Providers one request tries at most (never more than serve its model).
    public var maxAttempts: Int

    public init(statuses: Statuses = .standard, maxAttempts: Int = 3) {
        self.statuses = statuses
        self.maxAttempts = maxAttempts
    }

    /// Why an upstream answer with `status` moves the request on, or nil when it is the answer.
    public func reason(forStatus status: Int) -> Reason? {
        guard statuses.contains(status) else { return nil }
        switch status {
        case 429: return .rateLimited
        case 401, 403: return .credentialsRejected
        default: return .serverError
        }
    }

    /// A provider left out of a request, and why.
    public struct Skip: Sendable {
        public var provider: Provider
        public var availability: ProviderCooldown.Availability
    }

    /// The providers one request tries, in the strategy's order, and those it leaves out because
    /// they are rate limited or out.
    public struct Plan: Sendable {
        public var attempts: [Provider]
        public var skipped: [Skip]
    }

    /// Keeps the strategy's order, leaves out providers cooling down or out, and stops at `maxAttempts`.
    public func plan(_ ordered: [Provider], model: String, now: Double) -> Plan {
        var plan = Plan(attempts: [], skipped: [])
        for provider in ordered {
            let availability = provider.cooldown.availability(model: model, now: now)
            if availability == .available {
                if plan.attempts.count < maxAttempts { plan.attempts.append(provider) }
            } else {
                plan.skipped.append(Skip(provider: provider, availability: availability))
            }
        }
        return plan
    }
}

extension FallbackPolicy {
    /// Reads `GATEWAY_FALLBACK_STATUSES` and `GATEWAY_MAX_ATTEMPTS`.
    static func load(from env: inout EnvironmentReader) -> FallbackPolicy {
        var statuses = Statuses.standard
        if env.raw("GATEWAY_FALLBACK_STATUSES") != nil {
            switch Statuses.parse(env.list("GATEWAY_FALLBACK_STATUSES")) {
            case .success(let parsed): statuses = parsed
            case .failure(let error): env.fail("GATEWAY_FALLBACK_STATUSES", error.message)
            }
        }
        return FallbackPolicy(statuses: statuses, maxAttempts: env.int("GATEWAY_MAX_ATTEMPTS", default: 3, range: 1...20))
    }
}
