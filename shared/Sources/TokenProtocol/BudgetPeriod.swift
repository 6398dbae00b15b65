/// How a token's budget (`max_budget_usd`) renews: never (`total`), or at each UTC calendar day
/// or month, when spend starts again from zero.
public enum BudgetPeriod: String, Codable, Sendable, Hashable, CaseIterable {
    case total
    case day
    case month

    /// The period that contains `time` (Unix seconds): its first second and the first second of
    /// the next one (nil for `total`, which starts at 0 and never ends).
    public func window(containing time: Int64) -> (start: Int64, end: Int64?) {
        switch self {
        case .total:
            return (0, nil)
        case .day:
            let start = Self.floorDiv(time, 86_400) * 86_400
            return (start, start + 86_400)
        case .month:
            let (year, month, _) = Self.civil(fromDays: Self.floorDiv(time, 86_400))
            let start = Self.days(year: year, month: month, day: 1) * 86_400
            let next = month == 12 ? Self.days(year: year + 1, month: 1, day: 1) : Self.days(year: year, month: month + 1, day: 1)
            return (start, next * 86_400)
        }
    }

    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day number since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
