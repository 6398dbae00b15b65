import ArgumentParser
import Foundation
import TokenProtocol
import TokenRuntime

/// `platform-token-runtime usage`: the usage ledger's totals through a running runtime's admin API.
struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Show usage and spend from a running platform-token-runtime's ledger, as a table.",
        discussion: """
            Times are Unix seconds, a UTC date (2026-11-01) or a UTC date and time (2026-11-01T12:00:00Z); \
            the ledger keeps hourly totals, so the hours overlapping [from, to) are counted.
            """
    )

    @OptionGroup var connection: TokenCommand.Connection
    @Option(help: "Only this token (tok_...).") var tokenId: String?
    @Option(help: "Only this subject.") var subject: String?
    @Option(help: "From this time (inclusive).") var from: String?
    @Option(help: "Until this time (exclusive).") var to: String?
    @Option(help: "Group by any of token,subject,model,day (comma-separated; default: one total).") var groupBy = ""
    @Flag(help: "Print the JSON answer instead of the table.") var json = false

    func validate() throws {
        _ = try grouping()
        _ = try time(from, "--from")
        _ = try time(to, "--to")
    }

    func run() async throws {
        let filter = UsageFilter(tokenID: tokenId, subject: subject, from: try time(from, "--from"), to: try time(to, "--to"))
        let grouping = try grouping()
        let answer = try await connection.client().usage(filter, groupBy: grouping)
        if json {
            try printJSON(answer)
        } else {
            print(UsageTable.render(answer.data, groupBy: grouping))
        }
    }

    func grouping() throws -> UsageGrouping {
        guard let grouping = UsageGrouping(parsing: groupBy) else {
            throw ValidationError("--group-by: a comma-separated list of token, subject, model, day")
        }
        return grouping
    }

    func time(_ text: String?, _ option: String) throws -> Int64? {
        guard let text else { return nil }
        guard let seconds = UsageTable.parseTime(text) else {
            throw ValidationError("\(option): use Unix seconds, 2026-11-01 or 2026-11-01T12:00:00Z")
        }
        return seconds
    }
}
