import ServiceSupport
import Synchronization

/// What one provider told us about itself by refusing: rate limits (for one model, or for all of
/// its models) until a time, and whether it rejected the gateway's own API key.
///
/// A rate limit ends by itself; a rejected key puts the provider out until the gateway is
/// restarted or its configuration reloaded (a new registry), since retrying cannot fix a key.
public final class ProviderCooldown: Sendable {
    /// What a rate limit covers: every model of the provider, or one model.
    public enum Scope: Hashable, Sendable {
        case provider
        case model(String)
    }

    /// The provider rejected our key: its answer's status, and when.
    public struct Outage: Sendable, Equatable {
        public var status: Int
        public var since: Double
    }

    /// Whether the provider may be tried for a model now.
    public enum Availability: Sendable, Equatable {
        case available
        /// Rate limited until this wall time.
        case rateLimited(until: Double)
        case out(Outage)
    }

    /// The state at a moment, for `/readyz` and metrics.
    public struct Report: Sendable, Equatable {
        public var outage: Outage?
        /// Active rate limits, each with when it ends.
        public var rateLimits: [(scope: Scope, until: Double)]

        public static func == (lhs: Report, rhs: Report) -> Bool {
            lhs.outage == rhs.outage && lhs.rateLimits.elementsEqual(rhs.rateLimits) { $0.scope == $1.scope && $0.until == $1.until }
        }
    }

    /// An error about an out provider is logged at most this often (seconds).
    public static let logInterval: Double = 60

    struct State {
        var rateLimits: [Scope: Double] = [:]
        var outage: Outage?
        var lastLogged: Double = -.infinity
    }

    private let state = Mutex(State())

    public init() {}

    /// Remembers a rate limit until `until`; a longer one already in force is kept.
    public func rateLimit(_ scope: Scope, until: Double) {
        state.withLock { state in
            state.rateLimits[scope] = max(state.rateLimits[scope] ?? 0, until)
        }
    }

    /// Puts the provider out (it rejected our key). Returns whether to log it now: at most once per
    /// ``logInterval``.
    public func rejectCredentials(status: Int, now: Double) -> Bool {
        state.withLock { state in
            if state.outage == nil { state.outage = Outage(status: status, since: now) }
            return Self.takeLogTurn(&state, now: now)
        }
    }

    /// For a request that skipped the out provider: whether to log about it again now (at most once
    /// per ``logInterval``).
    public func shouldRemind(now: Double) -> Bool {
        state.withLock { state in state.outage != nil && Self.takeLogTurn(&state, now: now) }
    }

    private static func takeLogTurn(_ state: inout State, now: Double) -> Bool {
        guard now - state.lastLogged >= logInterval else { return false }
        state.lastLogged = now
        return true
    }

    /// Whether the provider may be tried for `model` at `now`. An out provider is out for every model.
    public func availability(model: String, now: Double) -> Availability {
        state.withLock { state in
            if let outage = state.outage { return .out(outage) }
            let until = max(state.rateLimits[.provider] ?? 0, state.rateLimits[.model(model)] ?? 0)
            if until > now { return .rateLimited(until: until) }
            if !state.rateLimits.isEmpty { state.rateLimits = state.rateLimits.filter { $0.value > now } }
            return .available
        }
    }

    public func report(now: Double) -> Report {
        state.withLock { state in
            let active = state.rateLimits.filter { $0.value > now }.map { (scope: $0.key, until: $0.value) }
            return Report(
                outage: state.outage,
                rateLimits: active.sorted { $0.until < $1.until })
        }
    }
}
