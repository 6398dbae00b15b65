import Hummingbird
import HummingbirdTesting
import Testing
import TokenProtocol
@testable import Gateway

@Suite struct CostRoutingTests {
    /// Providers of model "m" at (input, output) USD per million; nil: unpriced.
    func providers(_ entries: [(String, (String, String)?)]) -> [Provider] {
        entries.map { name, price in
            var prices: [String: ModelPrice] = [:]
            if let (input, output) = price {
                prices["m"] = ModelPrice(inputPerMTok: NanoUSD(decimalUSD: input)!, outputPerMTok: NanoUSD(decimalUSD: output)!)
            }
            return Provider(config: ProviderConfig(name: name, kind: .mock, models: ["m"], prices: prices), client: MockProviderClient())
        }
    }

    @Test func costBasedTriesTheCheapestFirstUnpricedLastTiesByLatency() {
        let list = providers([("dear", ("2.50", "10")), ("free?", nil), ("cheap-slow", ("0.15", "0.60")), ("cheap-fast", ("0.30", "0.45"))])
        list[2].stats.recordSuccess(latency: 0.9)
        list[3].stats.recordSuccess(latency: 0.1)
        // cheap-slow and cheap-fast both cost 0.75 USD/M in and out: the faster first.
        #expect(CostBasedStrategy().order(list, model: "m", now: 0).map(\.name) == ["cheap-fast", "cheap-slow", "dear", "free?"])
    }

    @Test func costAwareTakesTheCheapestOfTheFastEnough() {
        let list = providers([("cheapest-but-slow", ("0.10", "0.10")), ("mid", ("1", "1")), ("fastest", ("5", "5"))])
        list[0].stats.recordSuccess(latency: 1.0)
        list[1].stats.recordSuccess(latency: 0.14)
        list[2].stats.recordSuccess(latency: 0.1)
        // The fastest is 0.1 s: mid (0.14 s) is within 1.5x, the cheapest (1 s) is not.
        #expect(CostAwareStrategy().order(list, model: "m", now: 0).map(\.name) == ["mid", "fastest", "cheapest-but-slow"])
        // Once it is fast again, the cheapest leads.
        for _ in 0..<40 { list[0].stats.recordSuccess(latency: 0.1) }
        #expect(CostAwareStrategy().order(list, model: "m", now: 0).first?.name == "cheapest-but-slow")
    }

    @Test func theConfiguredStrategyRoutesARealRequestToTheCheaperProvider() async throws {
        let providers = #"""
            {"providers":[
              {"name":"dear","type":"mock","models":["m"],"prices":{"m":{"input_per_mtok":"5","output_per_mtok":"15"}}},
              {"name":"cheap","type":"mock","models":["m"],"prices":{"m":{"input_per_mtok":"0.5","output_per_mtok":"1.5"}}}]}
            """#
        let audit = InMemoryAuditSink()
        let (gateway, token) = try await GatewayHarness.build(
            ["GATEWAY_ROUTING_STRATEGY": "cost_based"], providers: providers, audit: audit)
        try await gateway.buildApplication().test(.router) { client in
            for _ in 0..<3 {
                try await client.execute(
                    uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: GatewayHarness.chatBody("m")
                ) { #expect($0.status == .ok) }
            }
        }
        #expect(audit.records().map(\.provider) == ["cheap", "cheap", "cheap"])
    }
}
