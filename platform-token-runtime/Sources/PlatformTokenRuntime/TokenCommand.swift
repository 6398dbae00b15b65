import ArgumentParser
import Foundation
import ServiceSupport
import TokenProtocol
import TokenRuntime

/// Admin CLI: issue, update, revoke, show and list tokens through a running runtime's admin API.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage tokens through a running platform-token-runtime's admin API.",
        subcommands: [Issue.self, Update.self, Revoke.self, Show.self, List.self]
    )

    struct Connection: ParsableArguments {
        @Option(help: "Base URL of the runtime (env TOKEN_RUNTIME_URL, default http://127.0.0.1:18081).")
        var url: String?

        @Option(help: "Admin key (env TOKEN_RUNTIME_ADMIN_KEY).")
        var adminKey: String?

        func client() throws -> AdminClient {
            let environment = ProcessInfo.processInfo.environment
            guard let key = adminKey ?? environment["TOKEN_RUNTIME_ADMIN_KEY"], !key.isEmpty else {
                throw ValidationError("an admin key is needed: --admin-key or TOKEN_RUNTIME_ADMIN_KEY")
            }
            return AdminClient(
                baseURL: url ?? environment["TOKEN_RUNTIME_URL"] ?? "http://127.0.0.1:18081", adminKey: key)
        }
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a token and print it (shown only this once).")
        @OptionGroup var connection: Connection
        @Option(help: "Who the token is for.") var subject: String
        @Option(help: "Lifetime, e.g. 30m, 24h (default: the runtime's TOKEN_RUNTIME_DEFAULT_TTL).") var ttl: String?
        @Option(help: "A scope; repeat for more.") var scope: [String] = []
        @Option(help: "Client id.") var clientId: String?
        @OptionGroup(title: "Policy") var policy: PolicyOptions
        @Flag(help: "Print the whole JSON answer instead of the token alone.") var json = false

        func run() async throws {
            var ttlSeconds: Int64?
            if let ttl {
                guard let duration = DurationParsing.parse(ttl), duration >= .seconds(1) else {
                    throw ValidationError("--ttl: use a duration like 30m or 24h")
                }
                ttlSeconds = Int64(duration.inSeconds.rounded())
            }
            let issued = try await connection.client().issue(
                IssueTokenRequest(
                    subject: subject, ttlSeconds: ttlSeconds, scopes: scope.isEmpty ? nil : scope, clientID: clientId,
                    policy: try policy.policy()))
            if json {
                try printJSON(issued)
            } else {
                print(issued.token)
                FileHandle.standardError.write(Data("id \(issued.view.id), expires at \(issued.view.expiresAt)\n".utf8))
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a token's claims; those not named stay as they are.",
            discussion: "Set a claim with its option, clear it with --clear-<claim>. Prints the token as changed.")
        @OptionGroup var connection: Connection
        @Argument(help: "The token id (tok_...).") var id: String
        @OptionGroup(title: "Policy") var policy: PolicyOptions
        @Flag(help: "Remove the requests-per-minute limit (the gateway default applies).") var clearRateLimitRpm = false
        @Flag(help: "Remove the tokens-per-minute limit (the gateway default applies).") var clearRateLimitTpm = false
        @Flag(help: "Allow every model.") var clearModels = false
        @Flag(help: "Remove the budget (and its period).") var clearMaxBudget = false
        @Flag(help: "Make the budget a total one (never renews).") var clearBudgetPeriod = false

        func run() async throws {
            let patch = try patch()
            guard !patch.isEmpty else { throw ValidationError("name at least one claim to set or clear") }
            try printJSON(try await connection.client().update(id: id, patch))
        }

        func patch() throws -> TokenPolicyPatch {
            func change<Value>(_ value: Value?, clear: Bool, _ option: String, _ flag: String? = nil) throws -> TokenPolicyPatch.Change<Value> {
                switch (value, clear) {
                case (nil, false): return .unchanged
                case (nil, true): return .clear
                case (let value?, false): return .set(value)
                case (_?, true): throw ValidationError("--\(option) and --\(flag ?? "clear-" + option) contradict each other")
                }
            }
            var patch = TokenPolicyPatch(
                rateLimitRPM: try change(policy.rateLimitRpm, clear: clearRateLimitRpm, "rate-limit-rpm"),
                rateLimitTPM: try change(policy.rateLimitTpm, clear: clearRateLimitTpm, "rate-limit-tpm"),
                models: try change(policy.model.isEmpty ? nil : policy.model, clear: clearModels, "model", "clear-models"),
                maxBudget: try change(try policy.maxBudgetUsd.map(PolicyOptions.dollars), clear: clearMaxBudget, "max-budget-usd"),
                budgetPeriod: try change(try policy.budgetPeriod.map(PolicyOptions.period), clear: clearBudgetPeriod, "budget-period"))
            // Without a budget its period means nothing: clearing the budget clears the period too.
            if clearMaxBudget, case .unchanged = patch.budgetPeriod { patch.budgetPeriod = .clear }
            return patch
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id (idempotent).")
        @OptionGroup var connection: Connection
        @Argument(help: "The token id (tok_...).") var id: String

        func run() async throws { try printJSON(try await connection.client().revoke(id: id)) }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a token by id.")
        @OptionGroup var connection: Connection
        @Argument(help: "The token id (tok_...).") var id: String

        func run() async throws { try printJSON(try await connection.client().show(id: id)) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens, optionally by subject and status.")
        @OptionGroup var connection: Connection
        @Option(help: "Only this subject.") var subject: String?
        @Option(help: "Only active, expired or revoked.") var status: String?
        @Option(help: "Page size, 1 to 500.") var limit = 50
        @Option(help: "next_cursor of the previous page.") var cursor: String?

        func run() async throws {
            var tokenStatus: TokenStatus?
            if let status {
                guard let value = TokenStatus(rawValue: status), value != .unknown else {
                    throw ValidationError("--status: use active, expired or revoked")
                }
                tokenStatus = value
            }
            try printJSON(
                try await connection.client().list(subject: subject, status: tokenStatus, limit: limit, cursor: cursor))
        }
    }
}

/// The options of ``TokenPolicy``'s claims, for `token issue` and `token update`.
struct PolicyOptions: ParsableArguments {
    @Option(help: "Model the token may use; repeat for more (default: any).") var model: [String] = []
    @Option(help: "Requests per minute (0: gateway default).") var rateLimitRpm: Int?
    @Option(help: "Tokens per minute (0: gateway default).") var rateLimitTpm: Int?
    @Option(help: "Most the token may spend per budget period, in dollars (e.g. 12.5; exact to 9 decimals).")
    var maxBudgetUsd: String?
    @Option(help: "When the budget renews: total (never, the default), day or month (UTC).") var budgetPeriod: String?

    func policy() throws -> TokenPolicy {
        TokenPolicy(
            rateLimitRPM: rateLimitRpm, rateLimitTPM: rateLimitTpm, models: model.isEmpty ? nil : model,
            maxBudget: try maxBudgetUsd.map(Self.dollars), budgetPeriod: try budgetPeriod.map(Self.period))
    }

    static func dollars(_ text: String) throws -> NanoUSD {
        guard let amount = NanoUSD(decimalUSD: text) else {
            throw ValidationError("--max-budget-usd: a non-negative number of dollars with at most 9 decimals, like 12.5")
        }
        return amount
    }

    static func period(_ text: String) throws -> BudgetPeriod {
        guard let period = BudgetPeriod(rawValue: text) else { throw ValidationError("--budget-period: use total, day or month") }
        return period
    }
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
