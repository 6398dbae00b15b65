import ArgumentParser
import Foundation
import ServiceSupport
import TokenProtocol
import TokenRuntime

/// Admin CLI: issue, revoke, show and list tokens through a running runtime's admin API.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage tokens through a running platform-token-runtime's admin API.",
        subcommands: [Issue.self, Revoke.self, Show.self, List.self]
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
                    policy: policy.policy))
            if json {
                try printJSON(issued)
            } else {
                print(issued.token)
                FileHandle.standardError.write(Data("id \(issued.view.id), expires at \(issued.view.expiresAt)\n".utf8))
            }
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

/// The options of ``TokenPolicy``'s claims, for `token issue`.
struct PolicyOptions: ParsableArguments {
    @Option(help: "Model the token may use; repeat for more (default: any).") var model: [String] = []
    @Option(help: "Requests per minute (0: gateway default).") var rateLimitRpm: Int?
    @Option(help: "Tokens per minute (0: gateway default).") var rateLimitTpm: Int?

    var policy: TokenPolicy {
        TokenPolicy(rateLimitRPM: rateLimitRpm, rateLimitTPM: rateLimitTpm, models: model.isEmpty ? nil : model)
    }
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
