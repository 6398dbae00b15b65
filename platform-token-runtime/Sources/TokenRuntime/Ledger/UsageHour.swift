/// The ledger's calendar: UTC hours and days of Unix seconds, by integer arithmetic (no time
/// zones, no Foundation calendars, so memory and PostgreSQL agree to the second).
public enum UsageHour {
    public static let secondsPerHour: Int64 = 3_600
    public static let secondsPerDay: Int64 = 86_400

    /// The start of the UTC hour `time` falls in.
    public static func start(of time: Int64) -> Int64 {
        floorDivide(time, secondsPerHour) * secondsPerHour
    }

    /// The days since 1970-01-01 of the UTC day `time` falls in.
    public static func dayNumber(of time: Int64) -> Int64 {
        floorDivide(time, secondsPerDay)
    }

    /// `YYYY-MM-DD` of the UTC day `time` falls in.
    public static func day(of time: Int64) -> String {
        let (year, month, day) = civilDate(dayNumber: dayNumber(of: time))
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    /// The proleptic Gregorian date of a day number (Howard Hinnant's `civil_from_days`).
    static func civilDate(dayNumber: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = dayNumber + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The day number of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func dayNumber(year: Int64, month: Int64, day: Int64) -> Int64 {
        let year = month <= 2 ? year - 1 : year
        let era = floorDivide(year, 400)
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
