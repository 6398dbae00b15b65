import Foundation
import NIOCore
import Testing
import TokenProtocol
@testable import Gateway

@Suite struct UsageReportJSONTests {
    static func record(_ index: Int, text: String = "plain") -> UsageRecord {
        UsageRecord(
            id: "gw1-\(index)", tokenID: "tok_\(index)", subject: text, model: "gpt-4o-mini", provider: "p/\(text)",
            time: 1_800_000_000 + Int64(index), promptTokens: Int64(index * 7), completionTokens: Int64(index), cachedTokens: 3,
            costNanoUSD: NanoUSD(Int64(index) * 1_234_567), priced: index % 2 == 0, estimated: index % 3 == 0)
    }

    @Test func theHandWrittenReportDecodesToTheSameRecords() throws {
        let awkward = "quote \" backslash \\ newline \n tab \t bell \u{07} ünïcode 漢字 / slash"
        let report = UsageReport(records: (0..<50).map { Self.record($0, text: $0 == 7 ? awkward : "plain") })
        let bytes = UsageReportJSON.encode(report)
        let decoded = try JSONDecoder().decode(UsageReport.self, from: Data(bytes.readableBytesView))
        #expect(decoded == report)
        #expect(try JSONDecoder().decode(UsageReport.self, from: Data(UsageReportJSON.encode(UsageReport(records: [])).readableBytesView)).records.isEmpty)
    }

    @Test func itIsWhatJSONEncoderWritesWithSortedKeys() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let report = UsageReport(records: [Self.record(1), Self.record(2, text: "tab\there")])
        #expect(String(buffer: UsageReportJSON.encode(report)) == String(decoding: try encoder.encode(report), as: UTF8.self))
    }
}
