import ServiceSupport
import Synchronization

/// The routing strategies wired into startup (`GATEWAY_ROUTING_STRATEGY`).
public enum RoutingStrategyKind: String, Sendable, CaseIterable {
    case latency
    case roundRobin = "round_robin"
    case weighted
    case availability
    case costBased = "cost_based"
    case costAware = "cost_aware"
}

/// Orders the providers serving a model: the first is tried first, the rest are the fallback order.
public protocol RoutingStrategy: Sendable {
    func order(_ candidates: [Provider], now: Double) -> [Provider]
    /// The order for one model; strategies that look at the model's price implement it.
    func order(_ candidates: [Provider], model: String, now: Double) -> [Provider]
}

extension RoutingStrategy {
    public func order(_ candidates: [Provider], model: String, now: Double) -> [Provider] { order(candidates, now: now) }
}

/// A provider's price for a model as one figure to compare: input plus output USD per million
/// tokens (nil: unpriced).
func comparablePrice(_ provider: Provider, model: String) -> Int64? {
    provider.price(for: model).map { $0.inputPerMTok.value + $0.outputPerMTok.value }
}

/// The cheapest provider for the model first (``comparablePrice(_:model:)``), unpriced ones last,
/// ties by latency; fallback goes on in price order.
public struct CostBasedStrategy: RoutingStrategy {
    let latency = LatencyStrategy()

    public init() {}

    public func order(_ candidates: [Provider], now: Double) -> [Provider] { latency.order(candidates, now: now) }

    public func order(_ candidates: [Provider], model: String, now: Double) -> [Provider] {
        guard candidates.count > 1 else { return candidates }
        // Stable: the latency order breaks ties.
        let byLatency = latency.order(candidates, now: now)
        return byLatency.enumerated()
            .map { (index: $0.offset, provider: $0.element, price: comparablePrice($0.element, model: model) ?? .max) }
            .sorted { ($0.price, $0.index) < ($1.price, $1.index) }
            .map(\.provider)
    }
}

/// The cheapest among the providers fast enough: those whose moving-average latency is within
/// ``latencyFactor`` (1.5) of the fastest's, or not measured yet, in price order; then the slower
/// ones, in price order.
public struct CostAwareStrategy: RoutingStrategy {
    public static let latencyFactor = 1.5
    let cost = CostBasedStrategy()

    public init() {}

    public func order(_ candidates: [Provider], now: Double) -> [Provider] { cost.order(candidates, now: now) }

    public func order(_ candidates: [Provider], model: String, now: Double) -> [Provider] {
        guard candidates.count > 1 else { return candidates }
        let ordered = cost.order(candidates, model: model, now: now)
        let latencies = ordered.map { $0.stats.snapshot().averageLatency }
        guard let fastest = latencies.compactMap({ $0 }).min() else { return ordered }
        let fastEnough = latencies.map { $0.map { $0 <= fastest * Self.latencyFactor } ?? true }
        return zip(ordered, fastEnough).filter(\.1).map(\.0) + zip(ordered, fastEnough).filter { !$0.1 }.map(\.0)
    }
}

/// Lowest moving-average latency first; providers never measured come first, so each gets tried.
public struct LatencyStrategy: RoutingStrategy {
    public init() {}

    public func order(_ candidates: [Provider], now: Double) -> [Provider] {
        guard candidates.count > 1 else { return candidates }
        return candidates.map { ($0, $0.stats.snapshot().averageLatency ?? 0) }
            .sorted { $0.1 < $1.1 }
            .map(\.0)
    }
}

/// Each request starts at the next provider in turn.
public final class RoundRobinStrategy: RoutingStrategy {
    private let counter = Atomic<Int>(0)

    public init() {}

    public func order(_ candidates: [Provider], now: Double) -> [Provider] {
        guard candidates.count > 1 else { return candidates }
        let start = counter.add(1, ordering: .relaxed).oldValue % candidates.count
        return Array(candidates[start...] + candidates[..<start])
    }
}

/// Random order, each position drawn in proportion to provider weight.
public final class WeightedStrategy: RoutingStrategy {
    private let generator: Mutex<SplitMix64>

    public init(seed: UInt64 = UInt64.random(in: .min ... .max)) {
        generator = Mutex(SplitMix64(seed: seed))
    }

    public func order(_ candidates: [Provider], now: Double) -> [Provider] {
        guard candidates.count > 1 else { return candidates }
        var remaining = candidates
        var ordered: [Provider] = []
        ordered.reserveCapacity(candidates.count)
        generator.withLock { generator in
            while !remaining.isEmpty {
                let total = remaining.reduce(0) { $0 + $1.config.weight }
                var pick = Int(generator.next() % UInt64(total))
                let index =
                    remaining.firstIndex { provider in
                        pick -= provider.config.weight
                        return pick < 0
                    } ?? 0
                ordered.append(remaining.remove(at: index))
            }
        }
        return ordered
    }
}

/// Providers in cooldown (after consecutive failures) go last; the rest by latency. A provider whose
/// cooldown is over is tried again (probed) like any other.
public struct AvailabilityStrategy: RoutingStrategy {
    let latency = LatencyStrategy()

    public init() {}

    public func order(_ candidates: [Provider], now: Double) -> [Provider] {
        let sorted = latency.order(candidates, now: now)
        let available = sorted.filter { !$0.stats.snapshot().isCoolingDown(now: now) }
        return available + sorted.filter { $0.stats.snapshot().isCoolingDown(now: now) }
    }
}

/// A small, fast, seedable generator (for weighted choice).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RoutingStrategyKind {
    public func makeStrategy() -> any RoutingStrategy {
        switch self {
        case .latency: LatencyStrategy()
        case .roundRobin: RoundRobinStrategy()
        case .weighted: WeightedStrategy()
        case .availability: AvailabilityStrategy()
        case .costBased: CostBasedStrategy()
        case .costAware: CostAwareStrategy()
        }
    }
}
