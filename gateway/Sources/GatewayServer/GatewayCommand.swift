import ArgumentParser
import NIOSSL
import Foundation
import ServiceSupport
import Gateway
import GatewayInProcessRuntime
import Hummingbird
import Logging
import TokenProtocol

/// `gateway [serve]` runs the gateway; the other subcommands are operator tools.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Lijiaoqiao: an OpenAI-compatible API gateway.",
        discussion: "Configured through GATEWAY_* and related environment variables; see README.md.",
        subcommands: [Serve.self, EncryptSecret.self, DevToken.self, MockUpstream.self],
        defaultSubcommand: Serve.self
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (the default). Reads its configuration from the environment.")

    func run() async throws {
        let configuration: GatewayConfiguration
        do {
            configuration = try GatewayConfiguration.load(from: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("gateway: \(error)\n".utf8))
            throw ExitCode(2)
        }
        // dev inmemory mode: the token runtime library in this process (the Gateway library does not link it).
        let devRuntime = configuration.mode == .inmemory ? InProcessTokenRuntime() : nil
        try await GatewayProcess.run(configuration: configuration, devRuntime: devRuntime)
    }
}

struct EncryptSecret: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encrypt-secret",
        abstract: "Encrypt a provider API key with PASSWORD_ENCRYPTION_KEY; prints an enc:v1:... value for the providers file.",
        discussion: "Reads the secret from standard input (one line) unless --value is given.")

    @Option(help: "The secret (prefer standard input, which stays out of shell history).") var value: String?

    func run() throws {
        guard let key = ProcessInfo.processInfo.environment["PASSWORD_ENCRYPTION_KEY"], !key.isEmpty else {
            throw ValidationError("PASSWORD_ENCRYPTION_KEY must be set (exactly 32 bytes)")
        }
        guard let secret = value ?? readLine(strippingNewline: true), !secret.isEmpty else {
            throw ValidationError("no secret given")
        }
        do {
            print(try SecretBox.encrypt(secret, key: Array(key.utf8)))
        } catch SecretBox.Failure.keyLength(let count) {
            throw ValidationError("PASSWORD_ENCRYPTION_KEY must be exactly 32 bytes (got \(count))")
        }
    }
}

struct DevToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-token", abstract: "Print a new well-formed token for GATEWAY_DEV_TOKENS (dev mode only).")

    func run() throws { print(TokenFormat.generate()) }
}

struct MockUpstream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-upstream",
        abstract:
            "Serve the built-in mock provider as an OpenAI-compatible HTTP API, or with --anthropic as Anthropic's Messages API (for local runs, tests and benchmarks)."
    )

    @Option(help: "Listen address.") var host = "127.0.0.1"
    @Option(help: "Listen port.") var port = 18090
    @Option(help: "Models to list, comma separated.") var models = "mock-echo"
    @Option(help: "Pause between streamed chunks, e.g. 50ms.") var chunkDelay = "0s"
    @Option(help: "Pause before answering, e.g. 10s.") var delay = "0s"
    @Option(help: "Answer every request with this HTTP status and OpenAI's (or Anthropic's) error body for it.") var failStatus: Int?
    @Option(help: "A header for those failure answers, e.g. 'retry-after: 7' (repeatable).") var failHeader: [String] = []
    @Option(help: "Streams: cut the connection after this many events.") var streamCutAfter: Int?
    @Flag(help: "Answer every request with one precomputed answer, without parsing it (for benchmarks).") var canned = false
    @Flag(help: "Answer as Anthropic's Messages API (POST /v1/messages, count_tokens, GET /v1/models) instead.") var anthropic = false
    @Option(help: "With --anthropic: the only API key accepted (default: any).") var apiKey: String?
    @Option(help: "With --anthropic: streams send an overloaded_error event after this many events.") var streamErrorAfter: Int?
    @Option(help: "Serve HTTPS with this PEM certificate chain (needs --tls-key-file; the OpenAI-compatible mock only).") var tlsCertFile: String?
    @Option(help: "The PEM private key of --tls-cert-file.") var tlsKeyFile: String?

    func run() async throws {
        guard let chunk = DurationParsing.parse(chunkDelay), let head = DurationParsing.parse(delay) else {
            throw ValidationError("--chunk-delay and --delay take durations like 50ms or 2s")
        }
        guard let headers = MockFailure.headers(failHeader) else { throw ValidationError("--fail-header takes 'name: value'") }
        let modelList = models.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        OpenFileLimit.raiseToHardLimit()  // benchmarks hold thousands of streams open
        if anthropic {
            guard tlsCertFile == nil else { throw ValidationError("--tls-cert-file is for the OpenAI-compatible mock only") }
            guard !canned else { throw ValidationError("--canned is for the OpenAI-compatible mock only") }
            let server = MockAnthropicServer(
                models: modelList, apiKey: apiKey, chunkDelay: chunk, headDelay: head, failStatus: failStatus, failHeaders: headers,
                streamCutAfter: streamCutAfter, streamErrorAfter: streamErrorAfter)
            var logger = Logger(label: "mock-anthropic")
            logger.logLevel = .warning
            try await server.buildApplication(host: host, port: port, logger: logger).runService()
            return
        }
        guard apiKey == nil, streamErrorAfter == nil else { throw ValidationError("--api-key and --stream-error-after need --anthropic") }
        var tls: TLSConfiguration?
        switch (tlsCertFile, tlsKeyFile) {
        case (let cert?, let key?):
            tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        case (nil, nil): tls = nil
        default: throw ValidationError("--tls-cert-file and --tls-key-file go together")
        }
        let server = MockUpstreamServer(
            chunkDelay: chunk, headDelay: head, failStatus: failStatus,
            models: modelList, canned: canned, failHeaders: headers, streamCutAfter: streamCutAfter)
        var logger = Logger(label: "mock-upstream")
        logger.logLevel = .warning
        try await server.buildApplication(host: host, port: port, logger: logger, tls: tls).runService()
    }
}
