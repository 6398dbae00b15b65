import ServiceSupport
import Foundation

/// Why a provider is not being tried at the moment.
public enum ProviderCooldownKind: String, Sendable, CaseIterable {
    /// It answered `429`; until its `Retry-After`.
    case rateLimited = "rate_limited"
    /// It answered `401`/`403` to the gateway's key; until the key is fixed.
    case credentialsRejected = "credentials_rejected"
    /// Consecutive failures (`availability` routing puts it last for a while).
    case failures
}

/// One provider that is out or cooling down, as `/readyz` lists it.
public struct ProviderOutEntry: Sendable, Equatable, Encodable {
    public var provider: String
    public var reason: String
    /// The status it refused with (rejected key).
    public var status: Int?
    /// The model a rate limit is for; nil when it covers every model of the provider.
    public var model: String?
    /// Seconds until it is tried again; nil when only fixing its key brings it back.
    public var retryInSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case provider, reason, status, model
        case retryInSeconds = "retry_in_seconds"
    }
}

extension ProviderRegistry {
    /// Every provider that is out or cooling down at the moment, and why.
    public func providersOut() -> [ProviderOutEntry] {
        let now = clock.now()
        var entries: [ProviderOutEntry] = []
        for provider in providers {
            let report = provider.cooldown.report(now: now)
            if let outage = report.outage {
                entries.append(ProviderOutEntry(provider: provider.name, reason: ProviderCooldownKind.credentialsRejected.rawValue, status: outage.status))
            }
            for limit in report.rateLimits {
                var model: String?
                if case .model(let name) = limit.scope { model = name }
                entries.append(
                    ProviderOutEntry(
                        provider: provider.name, reason: ProviderCooldownKind.rateLimited.rawValue, model: model,
                        retryInSeconds: ((limit.until - now) * 10).rounded(.up) / 10))
            }
            let stats = provider.stats.snapshot()
            if stats.isCoolingDown(now: now) {
                entries.append(
                    ProviderOutEntry(
                        provider: provider.name, reason: ProviderCooldownKind.failures.rawValue,
                        retryInSeconds: ((stats.cooldownUntil - now) * 10).rounded(.up) / 10))
            }
        }
        return entries
    }

    /// Providers out or cooling down, counted by why (a provider counts once per reason).
    func cooldownCounts() -> [ProviderCooldownKind: Double] {
        var counts: [ProviderCooldownKind: Double] = [:]
        var seen = Set<String>()
        for entry in providersOut() where seen.insert(entry.provider + " " + entry.reason).inserted {
            if let kind = ProviderCooldownKind(rawValue: entry.reason) { counts[kind, default: 0] += 1 }
        }
        return counts
    }

    /// `providersOut()` as a JSON array.
    func providersOutJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(providersOut()) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }
}
