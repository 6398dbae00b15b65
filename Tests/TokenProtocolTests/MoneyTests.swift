import Foundation
import Testing
import TokenProtocol

@Suite struct MoneyTests {
    @Test(arguments: [
        ("0.15", 150_000_000), ("12", 12_000_000_000), ("0.000000001", 1), ("1.5", 1_500_000_000), ("0", 0),
        ("0.075", 75_000_000), ("9223372036.854775807", Int64.max), ("007.10", 7_100_000_000),
    ] as [(String, Int64)])
    func decimalStringsParseExactly(_ text: String, _ nanos: Int64) {
        #expect(NanoUSD(decimalUSD: text)?.value == nanos)
    }

    @Test(arguments: ["", ".", "1.", ".5", "-1", "+1", "1e3", "0.0000000001", "1,5", " 1", "1..2", "9223372036.854775808", "abc"])
    func anythingElseIsRefused(_ text: String) {
        #expect(NanoUSD(decimalUSD: text) == nil)
    }

    @Test func printedBackAsTheShortestExactDecimal() {
        #expect(NanoUSD(150_000_000).decimalString == "0.15")
        #expect(NanoUSD(1).decimalString == "0.000000001")
        #expect(NanoUSD(12_000_000_000).decimalString == "12")
        #expect(NanoUSD(-1_500_000_000).decimalString == "-1.5")
        #expect(NanoUSD(0).decimalString == "0")
        #expect(NanoUSD(1_000_000_010).decimalString == "1.00000001")
    }

    @Test func spendIsWrittenAsBothTheExactNumberAndTheInteger() throws {
        let totals = UsageTotals(model: "gpt-4o-mini", requests: 1, spendNanoUSD: NanoUSD(123_456_789_123))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(totals), as: UTF8.self)
        #expect(json.contains(#""spend_usd":123.456789123"#))
        #expect(json.contains(#""spend_nano_usd":123456789123"#))
        #expect(try JSONDecoder().decode(UsageTotals.self, from: Data(json.utf8)) == totals)
    }
}
