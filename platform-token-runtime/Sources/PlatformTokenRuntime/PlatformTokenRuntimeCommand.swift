import ArgumentParser
import Foundation
import Logging
import ServiceSupport
import TokenProtocol
import TokenRuntime

/// `platform-token-runtime [serve]` runs the service; `platform-token-runtime token ...` and
/// `platform-token-runtime usage` talk to a running one through its admin API.
struct PlatformTokenRuntimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "platform-token-runtime",
        abstract: "Issues Lijiaoqiao API tokens, owns their lifecycle and answers RFC 7662 introspection.",
        discussion: """
            Configured through TOKEN_RUNTIME_* environment variables; see README.md. Serves an admin \
            console at /admin/ (sign in with TOKEN_RUNTIME_ADMIN_KEY; TOKEN_RUNTIME_ADMIN_CONSOLE=off removes it).
            """,
        subcommands: [Serve.self, TokenCommand.self, UsageCommand.self],
        defaultSubcommand: Serve.self
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP service (the default). Reads TOKEN_RUNTIME_* from the environment.")

    func run() async throws {
        let configuration: RuntimeConfiguration
        do {
            configuration = try RuntimeConfiguration.load(from: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("platform-token-runtime: \(error)\n".utf8))
            throw ExitCode(2)
        }
        try await RuntimeServer.run(configuration: configuration)
    }
}
