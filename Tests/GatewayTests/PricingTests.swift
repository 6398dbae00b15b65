import Foundation
import NIOCore
import ServiceSupport
import Testing
import TokenProtocol
@testable import Gateway

@Suite struct PricingTests {
    static let mini = ModelPrice(
        inputPerMTok: NanoUSD(decimalUSD: "0.15")!, cachedInputPerMTok: NanoUSD(decimalUSD: "0.075")!,
        outputPerMTok: NanoUSD(decimalUSD: "0.60")!, maxOutputTokens: 16_384)

    @Test func aRequestCostsItsTokensAtTheirPricesToTheNanoDollar() {
        // 1,000 prompt tokens of which 400 cached, 250 completion tokens at gpt-4o-mini's prices:
        // 600 x 0.15 + 400 x 0.075 + 250 x 0.60 = 90 + 30 + 150 = 270 USD per million requests like it,
        // so 270 / 1,000,000 USD = 0.00027 USD = 270,000 nano-USD.
        let usage = Usage(promptTokens: 1_000, completionTokens: 250, cachedTokens: 400)
        #expect(Self.mini.cost(usage) == NanoUSD(270_000))
        // No cached tokens: 1,000 x 0.15 + 250 x 0.60 = 300 USD/M -> 300,000 nano-USD.
        #expect(Self.mini.cost(Usage(promptTokens: 1_000, completionTokens: 250)) == NanoUSD(300_000))
    }

    @Test func fractionsOfANanoDollarRoundHalfUpOncePerRequest() {
        // 7 prompt tokens at 0.075 USD/M (cached price as input): 7 x 75,000,000 / 1,000,000 = 525 nano... exactly.
        let cheap = ModelPrice(inputPerMTok: NanoUSD(decimalUSD: "0.075")!)
        #expect(cheap.cost(Usage(promptTokens: 7, completionTokens: 0)) == NanoUSD(525))
        // 1 token at 0.0005 USD/M = 0.5 nano-USD -> rounds up to 1; at 0.0004 -> 0.4 -> 0.
        #expect(ModelPrice(inputPerMTok: NanoUSD(decimalUSD: "0.0005")!).cost(Usage(promptTokens: 1)) == NanoUSD(1))
        #expect(ModelPrice(inputPerMTok: NanoUSD(decimalUSD: "0.0004")!).cost(Usage(promptTokens: 1)) == NanoUSD(0))
    }

    @Test func cachedTokensBeyondThePromptAreCappedAndMissingFiguresCountZero() {
        #expect(Self.mini.cost(Usage(promptTokens: 10, completionTokens: nil, cachedTokens: 50)) == NanoUSD(750))
        #expect(Self.mini.cost(Usage()) == .zero)
        // A very large request does not overflow: 10^9 tokens at 75 USD/M = 75,000 USD.
        let opus = ModelPrice(inputPerMTok: NanoUSD(decimalUSD: "15")!, outputPerMTok: NanoUSD(decimalUSD: "75")!)
        #expect(opus.cost(Usage(promptTokens: 0, completionTokens: 1_000_000_000)) == NanoUSD(75_000 * NanoUSD.perUSD))
    }

    @Test func theBuiltInTableIsTheShippedJSONAndParses() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/model_prices.json")
        let shipped = try String(contentsOf: file, encoding: .utf8)
        #expect(DefaultModelPrices.json + "\n" == shipped, "regenerate gateway/Sources/Gateway/Usage/DefaultModelPrices.swift")
        let table = PriceTable.builtIn
        #expect(table.models["gpt-4o-mini"] == Self.mini)
        #expect(table.models["text-embedding-3-small"]?.outputPerMTok == .zero)
        #expect(table.models["gpt-3.5-turbo"]?.cachedInputPerMTok == NanoUSD(decimalUSD: "0.50"))
        #expect(table.models.count >= 30)
    }

    @Test func aPriceDocumentTakesStringsOrNumbersAndNamesWhatIsWrong() throws {
        let table = try PriceTable.parse(
            Data(#"{"version":"t","models":{"a":{"input_per_mtok":"1.5","output_per_mtok":2},"b":{"input_per_mtok":0.075}}}"#.utf8))
        #expect(table.models["a"] == ModelPrice(inputPerMTok: NanoUSD(1_500_000_000), outputPerMTok: NanoUSD(2_000_000_000)))
        #expect(table.models["b"]?.inputPerMTok == NanoUSD(75_000_000))
        #expect(throws: PriceTable.Invalid.self) { try PriceTable.parse(Data(#"{"version":"t","models":{"a":{"output_per_mtok":"1"}}}"#.utf8)) }
        #expect(throws: PriceTable.Invalid.self) { try PriceTable.parse(Data(#"{"version":"t","models":{"a":{"input_per_mtok":"-1"}}}"#.utf8)) }
        #expect(throws: PriceTable.Invalid.self) { try PriceTable.parse(Data(#"{"models":{}}"#.utf8)) }
        #expect(throws: PriceTable.Invalid.self) {
            try PriceTable.parse(Data(#"{"version":"t","models":{"a":{"input_per_mtok":"1","max_output_tokens":0}}}"#.utf8))
        }
        let capped = try PriceTable.parse(Data(#"{"version":"t","models":{"a":{"input_per_mtok":"1","max_output_tokens":8192}}}"#.utf8))
        #expect(capped.models["a"]?.maxOutputTokens == 8_192)
    }

    @Test func aProviderPricesItsModelsByItsOwnPricesFirst() throws {
        let own = ModelPrice(inputPerMTok: NanoUSD(decimalUSD: "0.10")!)
        let config = ProviderConfig(name: "p", kind: .mock, models: ["gpt-4o-mini", "gpt-4o", "house-model"], prices: ["gpt-4o": own])
        let provider = Provider(config: config, client: MockProviderClient())
        #expect(provider.price(for: "gpt-4o") == own)
        #expect(provider.price(for: "gpt-4o-mini") == Self.mini)
        #expect(provider.price(for: "house-model") == nil)
    }

    @Test func theProvidersFileCarriesPricesAndRefusesBadOnes() throws {
        let good = #"{"providers":[{"name":"m","type":"mock","models":["x"],"prices":{"x":{"input_per_mtok":"1","output_per_mtok":"2"}}}]}"#
        let configuration = try GatewayHarness.configuration(providers: good)
        #expect(configuration.providers[0].prices["x"]?.outputPerMTok == NanoUSD(2_000_000_000))
        let bad = #"{"providers":[{"name":"m","type":"mock","models":["x"],"prices":{"x":{"input_per_mtok":"1e3"}}}]}"#
        #expect(throws: ConfigurationErrors.self) { try GatewayHarness.configuration(providers: bad) }
    }
}

@Suite struct StreamUsageTests {
    static func probe(_ json: String) throws -> RequestProbe { try RequestProbe.parse(ByteBuffer(string: json)) }

    @Test func aStreamIsAskedForItsUsageByInsertingOneMember() throws {
        let body = #"{"model":"m","stream":true,"messages":[]}"#
        let upstream = try #require(StreamUsage.upstreamBody(ByteBuffer(string: body), probe: try Self.probe(body)))
        #expect(String(buffer: upstream) == #"{"stream_options":{"include_usage":true},"model":"m","stream":true,"messages":[]}"#)
    }

    @Test func aClientThatAskedOrDoesNotStreamIsSentAsItIs() throws {
        let asked = #"{"model":"m","stream":true,"stream_options":{"include_usage":true}}"#
        #expect(StreamUsage.upstreamBody(ByteBuffer(string: asked), probe: try Self.probe(asked)) == nil)
        let plain = #"{"model":"m"}"#
        #expect(StreamUsage.upstreamBody(ByteBuffer(string: plain), probe: try Self.probe(plain)) == nil)
    }

    @Test func aClientsOwnStreamOptionsKeepTheirOtherMembers() throws {
        let body = #"{"model":"m","stream":true,"stream_options":{"include_usage":false,"other":1}}"#
        let upstream = try #require(StreamUsage.upstreamBody(ByteBuffer(string: body), probe: try Self.probe(body)))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(upstream.readableBytesView)) as? [String: Any])
        let options = try #require(object["stream_options"] as? [String: Any])
        #expect(options["include_usage"] as? Bool == true)
        #expect(options["other"] as? Int == 1)
    }

    /// The mock provider answers like OpenAI; the filtered stream with usage must equal, byte for
    /// byte, the stream without it, however the bytes are cut into chunks.
    @Test(arguments: [1, 7, 64, 100_000])
    func theFilteredStreamIsByteIdenticalToTheOneNotAskedForUsage(_ cut: Int) throws {
        let without = MockCompletion.events(
            try #require(MockCompletion.parse(GatewayHarness.chatBody("m", "one two three four", stream: true, includeUsage: false), endpoint: .chatCompletions)),
            endpoint: .chatCompletions)
        let with = MockCompletion.events(
            try #require(MockCompletion.parse(GatewayHarness.chatBody("m", "one two three four", stream: true, includeUsage: true), endpoint: .chatCompletions)),
            endpoint: .chatCompletions)
        let expected = without.reduce(into: [UInt8]()) { $0 += Array($1.readableBytesView) }
        let sent = with.reduce(into: [UInt8]()) { $0 += Array($1.readableBytesView) }
        #expect(sent != expected)
        var filter = StreamUsageFilter()
        var relayed: [UInt8] = []
        var offset = 0
        while offset < sent.count {
            let chunk = ByteBuffer(bytes: sent[offset..<min(sent.count, offset + cut)])
            relayed += Array(filter.filter(chunk).readableBytesView)
            offset += cut
        }
        if let rest = filter.finish() { relayed += Array(rest.readableBytesView) }
        #expect(relayed == expected)
        let usage = try #require(filter.usageEvent.flatMap(UsageExtractor.extract))
        #expect(usage.promptTokens == 4 && usage.completionTokens == 4 && usage.cachedTokens == 0)
    }
}
