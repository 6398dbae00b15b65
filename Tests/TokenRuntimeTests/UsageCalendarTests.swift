import Testing
import TokenProtocol
@testable import TokenRuntime

/// The ledger's calendar, group_by parsing, the CLI's time arguments and table.
@Suite struct UsageCalendarTests {
    @Test func hoursAndDaysAreUTCByIntegerArithmetic() {
        #expect(UsageHour.start(of: 1_800_000_000) == 1_800_000_000)
        #expect(UsageHour.start(of: 1_800_003_599) == 1_800_000_000)
        #expect(UsageHour.start(of: -1) == -3_600)
        #expect(UsageHour.day(of: 0) == "1970-01-01")
        #expect(UsageHour.day(of: 1_800_000_000) == "2027-01-15")
        #expect(UsageHour.day(of: 951_782_400) == "2000-02-29")
        #expect(UsageHour.day(of: 1_709_251_199) == "2024-02-29")
        #expect(UsageHour.day(of: 1_709_251_200) == "2024-03-01")
        #expect(UsageHour.day(of: -1) == "1969-12-31")
        #expect(UsageHour.day(of: 253_402_300_799) == "9999-12-31")
        for day in stride(from: Int64(-800_000), through: 3_000_000, by: 997) {
            let (year, month, dayOfMonth) = UsageHour.civilDate(dayNumber: day)
            #expect(UsageHour.dayNumber(year: year, month: month, day: dayOfMonth) == day)
        }
    }

    @Test func groupByNames() {
        #expect(UsageGrouping(parsing: "") == [])
        #expect(UsageGrouping(parsing: "token") == .token)
        #expect(UsageGrouping(parsing: "day, model,token,token") == [.day, .model, .token])
        #expect(UsageGrouping(parsing: "token,subject,model,day")?.keyNames == ["token", "subject", "model", "day"])
        #expect(UsageGrouping(parsing: "provider") == nil)
        #expect(UsageGrouping(parsing: "Token") == nil)
    }

    @Test func cliTimesAreUnixSecondsOrUTCDates() {
        #expect(UsageTable.parseTime("1800000000") == 1_800_000_000)
        #expect(UsageTable.parseTime("2027-01-15") == 1_799_971_200)
        #expect(UsageTable.parseTime("2027-01-15T08:00:00Z") == 1_800_000_000)
        #expect(UsageTable.parseTime("2027-01-15T08:00") == 1_800_000_000)
        #expect(UsageTable.parseTime("2024-02-29") == 1_709_164_800)
        for bad in ["", "2023-02-29", "2027-13-01", "2027-1-15", "2027-01-15T25:00", "2027-01-15T08:00+01:00", "-5", "yesterday"] {
            #expect(UsageTable.parseTime(bad) == nil, "\(bad)")
        }
    }

    @Test func theTableShowsGroupKeysThenFigures() {
        let rows = [
            UsageTotals(tokenID: "tok_a", model: "gpt-4o-mini", requests: 2, promptTokens: 3_000, completionTokens: 600, cachedTokens: 200, spendNanoUSD: NanoUSD(795_000)),
            UsageTotals(tokenID: "tok_b", model: "gpt-4o", requests: 10, promptTokens: 5, completionTokens: 0, cachedTokens: 0, spendNanoUSD: NanoUSD(12_000_000_000)),
        ]
        #expect(
            UsageTable.render(rows, groupBy: [.token, .model]) == """
                token_id  model        requests  prompt  completion  cached  spend_usd
                tok_a     gpt-4o-mini         2    3000         600     200   0.000795
                tok_b     gpt-4o             10       5           0       0         12
                """)
        #expect(
            UsageTable.render([UsageTotals()], groupBy: []) == """
                requests  prompt  completion  cached  spend_usd
                       0       0           0       0          0
                """)
    }
}
