import TokenProtocol

/// What `POST /v1/usage` accepts: bounded batches of well-formed records. The bounds keep every
/// sum the ledger keeps far from overflowing 64 bits.
enum UsageReportLimits {
    /// Records per report; a gateway with more sends several reports.
    static let maxRecords = 5_000
    /// Bytes of a report body: 5,000 records with every text field at its limit fit.
    static let maxBodyBytes = 8 << 20
    /// UTF-8 bytes of each text field (id, token_id, subject, model, provider).
    static let maxTextBytes = 256
    /// Tokens of each kind in one record.
    static let maxTokens: Int64 = 1_000_000_000_000
    /// Cost of one record: a million dollars.
    static let maxCostNanoUSD: Int64 = 1_000_000 * NanoUSD.perUSD
    /// Latest request time accepted: 9999-12-31T23:59:59Z.
    static let maxTime: Int64 = 253_402_300_799

    /// The first problem of a report, as the message of a 400 answer; nil when it is acceptable.
    static func problem(in report: UsageReport) -> String? {
        guard report.records.count <= maxRecords else {
            return "a report holds at most \(maxRecords) records, this one \(report.records.count); send several"
        }
        for (index, record) in report.records.enumerated() {
            if let problem = problem(in: record) { return "records[\(index)].\(problem)" }
        }
        return nil
    }

    static func problem(in record: UsageRecord) -> String? {
        let required: [(String, String)] = [("id", record.id), ("token_id", record.tokenID), ("model", record.model)]
        for (name, value) in required where value.isEmpty { return "\(name) must not be empty" }
        let texts: [(String, String)] = required + [("subject", record.subject), ("provider", record.provider)]
        for (name, value) in texts where value.utf8.count > maxTextBytes {
            return "\(name) is longer than \(maxTextBytes) bytes"
        }
        guard (0...maxTime).contains(record.time) else { return "time must be Unix seconds from 0 to \(maxTime)" }
        let counts: [(String, Int64)] = [
            ("prompt_tokens", record.promptTokens), ("completion_tokens", record.completionTokens),
            ("cached_tokens", record.cachedTokens),
        ]
        for (name, value) in counts where !(0...maxTokens).contains(value) {
            return "\(name) must be from 0 to \(maxTokens)"
        }
        guard (0...maxCostNanoUSD).contains(record.costNanoUSD.value) else {
            return "cost_nano_usd must be from 0 to \(maxCostNanoUSD)"
        }
        return nil
    }
}
