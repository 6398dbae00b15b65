import NIOCore
import Testing
import TokenProtocol

@testable import Gateway

/// Worst-case costs, computed by hand.
@Suite struct BudgetGateTests {
    // gpt-4o-mini: $0.15 input, $0.60 output per million tokens.
    let price = ModelPrice(
        inputPerMTok: NanoUSD(decimalUSD: "0.15")!, outputPerMTok: NanoUSD(decimalUSD: "0.60")!, maxOutputTokens: 16_384)

    @Test func worstCostIsThePromptBoundAndTheOutputBoundAtTheHighestPrice() {
        // 1,000 x 150 + 500 x 600 = 450,000,000 nano-USD per million tokens -> 450 nano-USD... per token units:
        // (1,000 x 150,000,000 + 500 x 600,000,000) / 1,000,000 = 150,000 + 300,000 = 450,000 nano-USD.
        #expect(BudgetGate.worstCost([price], prompt: 1_000, output: 500) == NanoUSD(450_000))
        let dearer = ModelPrice(inputPerMTok: NanoUSD(decimalUSD: "2.5")!, outputPerMTok: NanoUSD(decimalUSD: "10")!)
        // 1,000 x 2,500 + 500 x 10,000 = 2,500,000 + 5,000,000 = 7,500,000 nano-USD.
        #expect(BudgetGate.worstCost([price, dearer], prompt: 1_000, output: 500) == NanoUSD(7_500_000))
    }

    @Test func theOutputSetForARequestWithoutAMaximumIsTheMostTheBudgetPaysFor() {
        // Prompt 1,000 costs 150,000; 300,000 left pays (300,000 - 150,000) / 600 = 250 output tokens exactly.
        #expect(BudgetGate.affordableOutput([price], prompt: 1_000, choices: 1, available: 300_000, cap: 16_384) == 250)
        #expect(BudgetGate.affordableOutput([price], prompt: 1_000, choices: 2, available: 300_000, cap: 16_384) == 125)
        #expect(BudgetGate.affordableOutput([price], prompt: 1_000, choices: 1, available: 10_000_000, cap: 16_384) == 16_384)
        #expect(BudgetGate.affordableOutput([price], prompt: 1_000, choices: 1, available: 149_999, cap: 16_384) == 0)
    }

    @Test func thePromptBoundCountsEveryByteAndTheFramingOfMessagesToolsAndImages() {
        let body = ByteBuffer(
            string:
                #"{"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}],"tools":[{"type":"function","function":{"name":"f"}}]}"#
        )
        // "image_url" appears twice (the part's type and its key), "function" twice: both over-counts, never under.
        let expected = body.readableBytes + 2 * 8 + 2 * 16 + 2 * 1_600 + 16
        #expect(WorstCase.promptTokens(body) == expected)
    }

    @Test func aMaximumIsInsertedAsTheFirstMember() {
        let body = ByteBuffer(string: #"  {"model":"m","stream":true}"#)
        let rewritten = WorstCase.inserting("max_completion_tokens", 250, into: body)
        #expect(rewritten.map { String(buffer: $0) } == #"  {"max_completion_tokens":250,"model":"m","stream":true}"#)
        #expect(WorstCase.inserting("max_tokens", 1, into: ByteBuffer(string: "[1]")) == nil)
    }
}
