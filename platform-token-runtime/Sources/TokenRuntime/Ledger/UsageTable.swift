import TokenProtocol

/// The `platform-token-runtime usage` table: the group keys, then requests, prompt, completion
/// and cached tokens and spend_usd, one line per row, numbers right-aligned.
public enum UsageTable {
    public static func render(_ rows: [UsageTotals], groupBy grouping: UsageGrouping) -> String {
        var header: [String] = []
        if grouping.contains(.token) { header.append("token_id") }
        if grouping.contains(.subject) { header.append("subject") }
        if grouping.contains(.model) { header.append("model") }
        if grouping.contains(.day) { header.append("day") }
        let keyColumns = header.count
        header += ["requests", "prompt", "completion", "cached", "spend_usd"]
        var lines = [header]
        for row in rows {
            var line: [String] = []
            if grouping.contains(.token) { line.append(row.tokenID ?? "") }
            if grouping.contains(.subject) { line.append(row.subject ?? "") }
            if grouping.contains(.model) { line.append(row.model ?? "") }
            if grouping.contains(.day) { line.append(row.day ?? "") }
            line += [
                String(row.requests), String(row.promptTokens), String(row.completionTokens), String(row.cachedTokens),
                row.spendNanoUSD.decimalString,
            ]
            lines.append(line)
        }
        let widths = header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        return lines.map { line in
            line.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - line[column].count)
                return column < keyColumns ? line[column] + padding : padding + line[column]
            }
            .joined(separator: "  ")
            .trailingSpacesRemoved
        }
        .joined(separator: "\n")
    }

    /// A time given on the command line as Unix seconds (`1798761600`), a UTC date (`2026-11-01`,
    /// its midnight) or a UTC date and time (`2026-11-01T12:30:00Z`, `2026-11-01T12:30Z`). Nil
    /// otherwise.
    public static func parseTime(_ text: String) -> Int64? {
        if !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }) { return Int64(text) }
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= bytes.count, bytes[range].allSatisfy({ (48...57).contains($0) }) else { return nil }
            return bytes[range].reduce(Int64(0)) { $0 * 10 + Int64($1 - 48) }
        }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var seconds = UsageHour.dayNumber(year: year, month: month, day: day) * UsageHour.secondsPerDay
        guard bytes.count > 10 else { return seconds }
        guard bytes[10] == UInt8(ascii: "T"), bytes.count >= 16, bytes[13] == UInt8(ascii: ":"),
            let hour = number(11..<13), let minute = number(14..<16), hour < 24, minute < 60
        else { return nil }
        seconds += hour * 3_600 + minute * 60
        var rest = bytes[16...]
        if rest.first == UInt8(ascii: ":") {
            guard let second = number(17..<19), second < 60 else { return nil }
            seconds += second
            rest = bytes[19...]
        }
        guard rest.isEmpty || Array(rest) == [UInt8(ascii: "Z")] else { return nil }
        return seconds
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension String {
    fileprivate var trailingSpacesRemoved: String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
