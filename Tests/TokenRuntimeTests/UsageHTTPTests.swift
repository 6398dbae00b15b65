import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import ServiceSupport
import TestSupport
import TokenProtocol
@testable import TokenRuntime

/// `POST /v1/usage`, `GET /v1/usage` and the spend on the admin token answers, through
/// Hummingbird's router test client.
@Suite struct UsageHTTPTests {
    typealias F = UsageFixtures
    let configuration = RuntimeConfiguration.testing()

    func withApp(_ body: @Sendable (any TestClientProtocol, RuntimeApplication) async throws -> Void) async throws {
        let runtime = RuntimeApplication(configuration: configuration, clock: ManualWallClock(1_800_000_000))
        let app = Application(router: runtime.buildRouter())
        try await app.test(.router) { client in try await body(client, runtime) }
    }

    var admin: HTTPFields { [.authorization: "Bearer \(configuration.adminKey)", .contentType: "application/json"] }
    var gateway: HTTPFields { [.authorization: "Bearer \(configuration.introspectionSecret)", .contentType: "application/json"] }

    static func json(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONEncoder().encode(value))
    }

    /// Status, the error code (of an error answer) and the body.
    func post(
        _ client: some TestClientProtocol, _ body: ByteBuffer, headers: HTTPFields? = nil
    ) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: RuntimePath.usage, method: .post, headers: headers ?? gateway, body: body) { response in
            (response.status, String(buffer: response.body))
        }
    }

    func get(_ client: some TestClientProtocol, _ query: String, headers: HTTPFields? = nil) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: RuntimePath.usage + query, method: .get, headers: headers ?? admin) { response in
            (response.status, String(buffer: response.body))
        }
    }

    static func answer(_ text: String) throws -> [UsageTotals] {
        try JSONDecoder().decode(UsageQueryAnswer.self, from: Data(text.utf8)).data
    }

    @Test func theIntrospectionSecretReportsAndARetriedReportCountsOnce() async throws {
        try await withApp { client, runtime in
            let body = try Self.json(UsageReport(records: F.batch))
            let (status, text) = try await post(client, body)
            #expect(status == .ok)
            #expect(text == #"{"accepted":5,"duplicates":0}"#)
            let (again, retried) = try await post(client, body)
            #expect(again == .ok)
            #expect(retried == #"{"accepted":0,"duplicates":5}"#)
            // The admin key may report too.
            let extra = F.record("gw9-1", token: "tok_b", subject: "bob", model: "gpt-4o-mini", time: F.t0, prompt: 1, completion: 0, cost: 150)
            #expect(try await post(client, try Self.json(UsageReport(records: [extra])), headers: admin).1 == #"{"accepted":1,"duplicates":0}"#)

            let (_, all) = try await get(client, "")
            // 1_158_500 + 150 nano-USD = 0.00115865 USD, written as the exact number.
            #expect(all.contains(#""spend_nano_usd":1158650"#) && all.contains(#""spend_usd":0.00115865"#))
            #expect(try Self.answer(all) == [F.totals(6, 3_511, 630, 200, 1_158_650)])

            let exposition = String(decoding: runtime.metrics.exposition(store: runtime.service.store), as: UTF8.self)
            #expect(exposition.contains(#"token_runtime_usage_records_total{result="accepted"} 6"#))
            #expect(exposition.contains(#"token_runtime_usage_records_total{result="duplicate"} 5"#))
        }
    }

    @Test func theAdminKeyQueriesAnythingTheIntrospectionSecretOneToken() async throws {
        try await withApp { client, _ in
            _ = try await post(client, try Self.json(UsageReport(records: F.batch)))
            let (status, byTokenAndModel) = try await get(client, "?group_by=token,model&from=\(F.t0)&to=\(F.t0 + 86_400)")
            #expect(status == .ok)
            #expect(
                try Self.answer(byTokenAndModel) == [
                    F.totals(token: "tok_a", model: "gpt-4o", 1, 100, 10, 0, 350_000),
                    F.totals(token: "tok_a", model: "gpt-4o-mini", 2, 3_000, 600, 200, 795_000),
                    F.totals(token: "tok_b", model: "gpt-4o-mini", 1, 10, 20, 0, 13_500),
                ])
            // Keys not grouped by are left out, not null.
            #expect(!byTokenAndModel.contains(#""subject""#) && !byTokenAndModel.contains(#""day""#))
            let (_, bySubject) = try await get(client, "?subject=alice&group_by=day")
            #expect(try Self.answer(bySubject) == [F.totals(day: "2027-01-15", 4, 3_500, 610, 200, 1_145_000)])

            // The introspection secret: one token's usage, nothing wider.
            let (own, ownText) = try await get(client, "?token_id=tok_a&group_by=model", headers: gateway)
            #expect(own == .ok)
            #expect(try Self.answer(ownText).map(\.model) == ["gpt-4o", "gpt-4o-mini"])
            for query in ["", "?subject=alice", "?group_by=token", "?token_id="] {
                let (denied, error) = try await get(client, query, headers: gateway)
                #expect(denied == .forbidden)
                #expect(error.contains(#""error":"access_denied""#))
            }
            #expect(try await get(client, "?token_id=tok_a", headers: [:]).0 == .unauthorized)
            #expect(try await get(client, "?token_id=tok_a", headers: [.authorization: "Bearer wrong-secret-0123456789"]).0 == .unauthorized)
        }
    }

    @Test func badQueriesAre400WithTheErrorEnvelope() async throws {
        try await withApp { client, _ in
            for query in ["?group_by=provider", "?group_by=token,hour", "?from=abc", "?to=-5", "?from=10&to=10", "?from=20&to=10"] {
                let (status, text) = try await get(client, query)
                #expect(status == .badRequest, "\(query)")
                #expect(text.contains(#""error":"invalid_request""#) && text.contains(#""error_description":"#), "\(query)")
            }
            #expect(try await get(client, "?group_by=").0 == .ok)
        }
    }

    @Test func invalidReportsAre400AndRecordNothing() async throws {
        try await withApp { client, _ in
            let good = F.batch[0]
            var cases: [(UsageRecord, String)] = []
            var record = good
            record.id = ""
            cases.append((record, "records[0].id must not be empty"))
            record = good
            record.tokenID = ""
            cases.append((record, "records[0].token_id must not be empty"))
            record = good
            record.model = ""
            cases.append((record, "records[0].model must not be empty"))
            record = good
            record.costNanoUSD = NanoUSD(-1)
            cases.append((record, "records[0].cost_nano_usd must be from 0"))
            record = good
            record.promptTokens = -1
            cases.append((record, "records[0].prompt_tokens must be from 0"))
            record = good
            record.cachedTokens = -5
            cases.append((record, "records[0].cached_tokens must be from 0"))
            record = good
            record.time = -1
            cases.append((record, "records[0].time must be Unix seconds"))
            record = good
            record.model = String(repeating: "m", count: 257)
            cases.append((record, "records[0].model is longer than 256 bytes"))
            for (record, message) in cases {
                let (status, text) = try await post(client, try Self.json(UsageReport(records: [record])))
                #expect(status == .badRequest, "\(message)")
                #expect(text.contains(#""error":"invalid_request""#) && text.contains(message), "\(text)")
            }
            // The second record is bad: the whole report is refused, the first not recorded.
            var bad = F.batch[1]
            bad.completionTokens = -1
            let (mixed, mixedText) = try await post(client, try Self.json(UsageReport(records: [good, bad])))
            #expect(mixed == .badRequest && mixedText.contains("records[1].completion_tokens"))

            let tooMany = (0...5_000).map { F.record("many-\($0)", token: "t", subject: "s", model: "m", time: 0, prompt: 0, completion: 0, cost: 0) }
            let (count, countText) = try await post(client, try Self.json(UsageReport(records: tooMany)))
            #expect(count == .badRequest && countText.contains("at most 5000 records"))

            let (malformed, malformedText) = try await post(client, ByteBuffer(string: #"{"records":[{"id":"x"}]}"#))
            #expect(malformed == .badRequest && malformedText.contains("missing field records.0.token_id"))
            #expect(try await post(client, ByteBuffer(string: "not json")).0 == .badRequest)
            let formHeaders: HTTPFields = [
                .authorization: "Bearer \(configuration.introspectionSecret)", .contentType: "application/x-www-form-urlencoded",
            ]
            #expect(try await post(client, try Self.json(UsageReport(records: [good])), headers: formHeaders).0 == .unsupportedMediaType)
            #expect(try await post(client, try Self.json(UsageReport(records: [good])), headers: [.contentType: "application/json"]).0 == .unauthorized)

            // Nothing of the refused reports was recorded.
            #expect(try Self.answer(try await get(client, "").1) == [UsageTotals()])
            // 5,000 records are fine.
            let most = Array(tooMany.prefix(5_000))
            #expect(try await post(client, try Self.json(UsageReport(records: most))).1 == #"{"accepted":5000,"duplicates":0}"#)
        }
    }

    @Test func theAdminTokenAnswersShowTheTokensSpend() async throws {
        try await withApp { client, _ in
            let issued = try await client.execute(
                uri: RuntimePath.tokens, method: .post, headers: admin, body: ByteBuffer(string: #"{"subject":"alice"}"#)
            ) { try JSONDecoder().decode(IssuedToken.self, from: Data($0.body.readableBytesView)) }
            let other = try await client.execute(
                uri: RuntimePath.tokens, method: .post, headers: admin, body: ByteBuffer(string: #"{"subject":"bob"}"#)
            ) { try JSONDecoder().decode(IssuedToken.self, from: Data($0.body.readableBytesView)) }
            let records = F.batch.prefix(3).map { record in
                var record = record
                record.tokenID = issued.view.id
                return record
            }
            _ = try await post(client, try Self.json(UsageReport(records: Array(records))))
            // 435_000 + 360_000 + 350_000 = 1_145_000 nano-USD = 0.001145 USD.
            try await client.execute(uri: "\(RuntimePath.tokens)/\(issued.view.id)", method: .get, headers: admin) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains(#""spend_nano_usd":1145000"#) && text.contains(#""spend_usd":0.001145"#))
                #expect(text.contains(#""subject":"alice""#))
                let view = try JSONDecoder().decode(TokenView.self, from: Data(response.body.readableBytesView))
                #expect(view.id == issued.view.id)
            }
            try await client.execute(uri: RuntimePath.tokens, method: .get, headers: admin) { response in
                let text = String(buffer: response.body)
                let list = try JSONDecoder().decode(TokenList.self, from: Data(response.body.readableBytesView))
                #expect(list.data.map(\.id) == [issued.view.id, other.view.id])
                let spends = try JSONDecoder().decode(SpendList.self, from: Data(response.body.readableBytesView))
                #expect(spends.data.map(\.spendNanoUSD) == [1_145_000, 0])
                #expect(text.contains(#""spend_usd":0,"#))
            }
        }
    }
}

/// The spend fields of an admin token answer (`spend_usd` is checked in the text: exactly).
struct SpendFields: Decodable {
    var spendNanoUSD: Int64

    enum CodingKeys: String, CodingKey {
        case spendNanoUSD = "spend_nano_usd"
    }
}

struct SpendList: Decodable {
    var data: [SpendFields]
}
