import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import TokenProtocol
@testable import Gateway

/// A ledger test double at the `UsageLedgerClient` seam: keeps what is reported, totals by model.
final class RecordingLedger: UsageLedgerClient {
    let records = Mutex<[UsageRecord]>([])

    func report(_ report: UsageReport) async throws -> UsageReportReceipt {
        records.withLock { records in
            let known = Set(records.map(\.id))
            let fresh = report.records.filter { !known.contains($0.id) }
            records += fresh
            return UsageReportReceipt(accepted: fresh.count, duplicates: report.records.count - fresh.count)
        }
    }

    func totals(tokenID: String, groupBy: [String]) async throws -> [UsageTotals] {
        var byModel: [String: UsageTotals] = [:]
        for record in records.withLock({ $0 }) where record.tokenID == tokenID {
            byModel[record.model, default: UsageTotals(model: record.model)].add(record)
        }
        return Array(byModel.values)
    }

    var all: [UsageRecord] { records.withLock { $0 } }
}

/// Exact spend through real HTTP: the mock upstream answers like OpenAI (usage counted in words:
/// prompt = words of every message, cached = words of the messages before the last, completion =
/// words echoed), a provider prices "mock-echo" at 3 / 0.30 cached / 15 USD per million tokens.
@Suite struct UsageAccountingTests {
    static func providers(port: Int) -> String {
        #"{"providers":[{"name":"up","type":"openai","base_url":"http://127.0.0.1:\#(port)","models":["mock-echo","house-model"],"#
            + #""prices":{"mock-echo":{"input_per_mtok":"3","cached_input_per_mtok":"0.30","output_per_mtok":"15"}}}]}"#
    }

    /// system "be brief" (2 words) + user "hello there friend" (3 words).
    static func chat(stream: Bool, includeUsage: Bool = false, model: String = "mock-echo") -> ByteBuffer {
        let options = includeUsage ? #","stream_options":{"include_usage":true}"# : ""
        return ByteBuffer(
            string:
                #"{"model":"\#(model)","stream":\#(stream)\#(options),"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there friend"}]}"#
        )
    }

    /// 5 prompt tokens, 2 of them cached, 3 completion tokens:
    /// 3 x 3 + 2 x 0.30 + 3 x 15 = 9 + 0.6 + 45 = 54.6 USD per million -> 54,600 nano-USD.
    static let chatCost: Int64 = 54_600

    @Test func plainAndStreamedRequestsCostTheSameToTheNanoDollarAndTheStreamIsUnchanged() async throws {
        let audit = InMemoryAuditSink()
        let ledger = RecordingLedger()
        try await GatewayHarness.withUpstreams([MockUpstreamServer()]) { ports in
            let (gateway, token) = try await GatewayHarness.build(
                ["GATEWAY_TOKEN_RUNTIME_MODE": "inmemory"], providers: Self.providers(port: ports[0]), audit: audit, ledger: ledger)
            // What the upstream itself streams to a client that did not ask for usage.
            var direct = HTTPClientRequest(url: "http://127.0.0.1:\(ports[0])/v1/chat/completions")
            direct.method = .POST
            direct.headers.add(name: "content-type", value: "application/json")
            direct.body = .bytes(Self.chat(stream: true))
            let expected = try await HTTPClient.shared.execute(direct, timeout: .seconds(10)).body.collect(upTo: 1 << 20)
            #expect(!String(buffer: expected).contains("usage"))

            try await gateway.buildApplication().test(.live) { client in
                let headers = GatewayHarness.auth(token)
                try await client.execute(uri: "/v1/chat/completions", method: .post, headers: headers, body: Self.chat(stream: false)) {
                    #expect($0.status == .ok)
                }
                try await client.execute(uri: "/v1/chat/completions", method: .post, headers: headers, body: Self.chat(stream: true)) {
                    #expect($0.status == .ok)
                    // Byte for byte what the provider sends without usage: the injected usage is taken out.
                    #expect(String(buffer: $0.body) == String(buffer: expected))
                }
                try await client.execute(
                    uri: "/v1/chat/completions", method: .post, headers: headers, body: Self.chat(stream: true, includeUsage: true)
                ) {
                    // The client asked: it gets the usage chunk and the null usage members, as OpenAI sends them.
                    let text = String(buffer: $0.body)
                    #expect(text.contains(#""choices":[]"#) && text.contains(#""usage":null"#))
                    #expect(text.contains(#""cached_tokens":2"#))
                }
                // Completions: prompt "say this please" (3) echoed (3): 3 x 3 + 3 x 15 = 54 USD/M -> 54,000.
                try await client.execute(
                    uri: "/v1/completions", method: .post, headers: headers,
                    body: ByteBuffer(string: #"{"model":"mock-echo","prompt":"say this please"}"#)
                ) { #expect($0.status == .ok) }
                // Embeddings: inputs "a b" and "c" (3 tokens): 3 x 3 = 9 USD/M -> 9,000.
                try await client.execute(
                    uri: "/v1/embeddings", method: .post, headers: headers,
                    body: ByteBuffer(string: #"{"model":"mock-echo","input":["a b","c"]}"#)
                ) { #expect($0.status == .ok) }
                // A model without a price anywhere: counted, unpriced.
                try await client.execute(
                    uri: "/v1/chat/completions", method: .post, headers: headers, body: Self.chat(stream: false, model: "house-model")
                ) { #expect($0.status == .ok) }

                let records = audit.records()
                #expect(records.map(\.costNanoUSD) == [Self.chatCost, Self.chatCost, Self.chatCost, 54_000, 9_000, nil])
                // Legacy completions and embeddings report no cached tokens (nor does OpenAI).
                #expect(records.map(\.cachedTokens) == [2, 2, 2, nil, nil, 2])
                #expect(records.allSatisfy { !$0.usageEstimated })

                try await poll("usage reported") { ledger.all.count == 6 }
                let spent = ledger.all.reduce(Int64(0)) { $0 + $1.costNanoUSD.value }
                #expect(spent == 3 * Self.chatCost + 54_000 + 9_000)
                #expect(ledger.all.filter(\.priced).count == 5)
                #expect(Set(ledger.all.map(\.id)).count == 6)

                // The key's own view.
                try await client.execute(uri: "/v1/usage", method: .get, headers: headers) { response in
                    #expect(response.status == .ok)
                    let json = response.body.json
                    #expect(json["object"] as? String == "usage")
                    #expect(json["requests"] as? Int == 6)
                    #expect(json["spend_nano_usd"] as? Int == Int(spent))
                    // 3 x 54,600 + 54,000 + 9,000 = 226,800 nano-USD, written exactly.
                    #expect(spent == 226_800)
                    #expect(String(buffer: response.body).contains(#""spend_usd":0.0002268,"#))
                    let byModel = json["by_model"] as? [[String: Any]] ?? []
                    #expect(byModel.map { $0["model"] as? String } == ["house-model", "mock-echo"])
                    #expect(byModel.first?["spend_nano_usd"] as? Int == 0)
                }
            }
        }
    }

    @Test func aStreamCutBeforeItsUsageIsChargedAnEstimateAndMarked() async throws {
        let audit = InMemoryAuditSink()
        try await GatewayHarness.withUpstreams([MockUpstreamServer(streamCutAfter: 2)]) { ports in
            let (gateway, token) = try await GatewayHarness.build(
                providers: Self.providers(port: ports[0]), audit: audit, ledger: RecordingLedger())
            try await gateway.buildApplication().test(.live) { client in
                try await client.execute(
                    uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: Self.chat(stream: true)
                ) { _ in }
            }
            let record = try #require(audit.records().first)
            #expect(record.status == 502)
            #expect(record.usageEstimated)
            // The request body's bytes / 4, rounded up; one token per relayed chunk.
            let bodyBytes = Self.chat(stream: true).readableBytes
            #expect(record.promptTokens == (bodyBytes + 3) / 4)
            #expect((record.completionTokens ?? 0) >= 1)
            #expect((record.costNanoUSD ?? 0) > 0)
        }
    }

    @Test func accountingOffLeavesTheRequestUntouchedAndUnpriced() async throws {
        let audit = InMemoryAuditSink()
        let ledger = RecordingLedger()
        try await GatewayHarness.withUpstreams([MockUpstreamServer()]) { ports in
            let (gateway, token) = try await GatewayHarness.build(
                ["GATEWAY_USAGE_ACCOUNTING": "off"], providers: Self.providers(port: ports[0]), audit: audit, ledger: ledger)
            try await gateway.buildApplication().test(.live) { client in
                try await client.execute(
                    uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token), body: Self.chat(stream: false)
                ) { #expect($0.status == .ok) }
                try await client.execute(uri: "/v1/usage", method: .get, headers: GatewayHarness.auth(token)) {
                    #expect($0.status == .serviceUnavailable)
                }
            }
            #expect(audit.records().first?.costNanoUSD == nil)
            #expect(audit.records().first?.promptTokens == 5)
            #expect(ledger.all.isEmpty)
        }
    }
}
