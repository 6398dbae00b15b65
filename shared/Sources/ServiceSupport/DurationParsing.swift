/// Parses configuration durations: one or more `<number><unit>` parts, units `ms`, `s`, `m`, `h`
/// ("250ms", "30s", "2m", "1h", "1m30s", "1.5s"). A bare number is refused: "30" could mean
/// seconds or milliseconds, so the operator must say which.
public enum DurationParsing {
    public static func parse(_ text: String) -> Duration? {
        let chars = Array(text.trimmingWhitespace().utf8)
        guard !chars.isEmpty else { return nil }
        var total: Double = 0  // in seconds
        var index = 0
        while index < chars.count {
            let numberStart = index
            while index < chars.count, chars[index] == UInt8(ascii: ".") || (chars[index] >= 48 && chars[index] <= 57) {
                index += 1
            }
            guard index > numberStart,
                let number = Double(String(decoding: chars[numberStart..<index], as: UTF8.self))
            else { return nil }
            let unitStart = index
            while index < chars.count, chars[index] >= UInt8(ascii: "a"), chars[index] <= UInt8(ascii: "z") {
                index += 1
            }
            switch String(decoding: chars[unitStart..<index], as: UTF8.self) {
            case "ms": total += number / 1000
            case "s": total += number
            case "m": total += number * 60
            case "h": total += number * 3600
            default: return nil
            }
        }
        guard total.isFinite, total < 1e9 else { return nil }
        return .nanoseconds(Int64((total * 1e9).rounded()))
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = self.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
