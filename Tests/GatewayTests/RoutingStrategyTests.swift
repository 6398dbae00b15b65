import Testing
import ServiceSupport
import TokenProtocol
@testable import Gateway

@Suite struct RoutingStrategyTests {
    func providers(_ names: [String], weights: [Int]? = nil) -> [Provider] {
        names.enumerated().map { index, name in
            Provider(
                config: ProviderConfig(name: name, kind: .mock, models: ["m"], weight: weights?[index] ?? 1),
                client: MockProviderClient())
        }
    }

    @Test func latencyPrefersTheFastestAndTriesUnmeasuredFirst() {
        let list = providers(["slow", "fast", "new"])
        list[0].stats.recordSuccess(latency: 0.5)
        list[1].stats.recordSuccess(latency: 0.05)
        #expect(LatencyStrategy().order(list, now: 0).map(\.name) == ["new", "fast", "slow"])
    }

    @Test func roundRobinRotatesTheStart() {
        let list = providers(["a", "b", "c"])
        let strategy = RoundRobinStrategy()
        let firsts = (0..<6).map { _ in strategy.order(list, now: 0).first!.name }
        #expect(firsts == ["a", "b", "c", "a", "b", "c"])
        #expect(strategy.order(list, now: 0).map(\.name) == ["a", "b", "c"])
        #expect(strategy.order(list, now: 0).map(\.name) == ["b", "c", "a"])
    }

    @Test func weightedFollowsTheWeights() {
        let list = providers(["heavy", "light"], weights: [3, 1])
        let strategy = WeightedStrategy(seed: 42)
        var heavyFirst = 0
        for _ in 0..<4000 {
            let order = strategy.order(list, now: 0)
            #expect(order.count == 2)
            if order[0].name == "heavy" { heavyFirst += 1 }
        }
        #expect((2800...3200).contains(heavyFirst))  // 75% expected
    }

    @Test func availabilitySkipsProvidersInCooldownThenProbesThem() {
        let list = providers(["flaky", "steady"])
        let strategy = AvailabilityStrategy()
        list[1].stats.recordSuccess(latency: 0.2)
        list[0].stats.recordSuccess(latency: 0.01)
        #expect(strategy.order(list, now: 100).first?.name == "flaky")
        for _ in 0..<ProviderStats.failureThreshold { list[0].stats.recordFailure(now: 100, latency: 0.01) }
        #expect(strategy.order(list, now: 100).map(\.name) == ["steady", "flaky"])
        #expect(strategy.order(list, now: 100 + ProviderStats.cooldown - 1).first?.name == "steady")
        // After the cooldown it is a candidate again (ordered by its, now penalised, latency).
        #expect(!list[0].stats.snapshot().isCoolingDown(now: 100 + ProviderStats.cooldown))
        list[0].stats.recordSuccess(latency: 0.01)
        #expect(list[0].stats.snapshot().consecutiveFailures == 0)
    }

    @Test func theRegistryIndexesModelsAndUnknownStrategiesFallBackToLatency() {
        let registry = ProviderRegistry(providers: providers(["a", "b"]), strategy: LatencyStrategy())
        #expect(registry.candidates(for: "m").count == 2)
        #expect(registry.candidates(for: "other").isEmpty)
        #expect(RoutingStrategyKind(rawValue: "cost_aware") == .costAware)
        #expect(RoutingStrategyKind(rawValue: "cheapest") == nil)
    }
}
