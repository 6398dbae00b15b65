import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle
import ServiceSupport
import TokenProtocol

/// Runs the runtime until SIGTERM/SIGINT: the body of the executable's `serve` command.
public enum RuntimeServer {
    public static func run(configuration: RuntimeConfiguration) async throws {
        LoggingSystem.bootstrap { label in
            DeferredMetadataLogHandler.standardError(label: label, level: configuration.logLevel)
        }
        let logger = Logger(label: "platform-token-runtime")
        for variable in configuration.generatedSecrets {
            let value = variable == "TOKEN_RUNTIME_ADMIN_KEY" ? configuration.adminKey : configuration.introspectionSecret
            logger.warning(
                "dev only: generated a secret because it was unset; set it explicitly outside dev",
                metadata: ["variable": "\(variable)", "value": "\(value)"])
        }
        do {
            try await serve(configuration: configuration, logger: logger)
        } catch let error as DatabaseStartupError {
            logger.critical("cannot start: the database is not usable", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Builds the configured store and serves until graceful shutdown (the testable part of `run`).
    ///
    /// With the postgres store, the PostgresClient and the store's revocation listener run as
    /// services next to the HTTP server, and before the port opens the database is probed and
    /// migrated: an unreachable database fails startup within about `databaseTimeout` with a
    /// ``DatabaseStartupError`` naming `TOKEN_RUNTIME_DATABASE_URL`. `/readyz` asks the database.
    /// `handleSignals`: shut down gracefully on SIGTERM/SIGINT (tests cancel instead).
    public static func serve(configuration: RuntimeConfiguration, logger: Logger, handleSignals: Bool = true) async throws {
        // Every client connection and event subscriber holds a socket: run with the highest open-file limit allowed.
        let files = OpenFileLimit.raiseToHardLimit()
        logger.info(
            "starting",
            metadata: [
                "env": "\(configuration.environment)", "store": "\(configuration.store.rawValue)",
                "address": "\(configuration.host):\(configuration.port)", "tls": "\(configuration.tls != nil)",
                "connections.max": "\(configuration.inbound.maxConnections)",
                "open_files_limit": "\(files?.description ?? "unknown")",
            ])
        switch configuration.store {
        case .memory:
            let runtime = RuntimeApplication(configuration: configuration)
            try await runService(runtime.buildApplication(logger: logger), handleSignals: handleSignals)
        case .postgres:
            let variable = "TOKEN_RUNTIME_DATABASE_URL"
            let url: PostgresURL
            do {
                url = try PostgresURL(configuration.databaseURL ?? "")
            } catch {
                throw DatabaseStartupError(variable: variable, url: "(invalid URL)", reason: error.message)
            }
            let client = PostgresClient(
                configuration: url.clientConfiguration(connectTimeout: configuration.databaseTimeout), backgroundLogger: logger)
            let store = try PostgresTokenStore(
                client: client,
                configuration: .init(
                    maxStaleness: configuration.storeMaxStaleness, cacheEntries: configuration.storeCacheEntries,
                    queryTimeout: configuration.databaseTimeout),
                logger: logger)
            let ledger = try PostgresUsageLedger(
                client: client, configuration: .init(queryTimeout: configuration.databaseTimeout), logger: logger)
            let runtime = RuntimeApplication(configuration: configuration, store: store, ledger: ledger)
            let timeout = configuration.databaseTimeout
            let app = runtime.buildApplication(
                logger: logger,
                readiness: { await store.isReady() },
                services: [client, store],
                beforeServerStarts: {
                    try await PostgresStartup.probe(url, variable: variable, timeout: timeout, logger: logger)
                    try await PostgresStartup.run("migrations", url: url, variable: variable) {
                        try await store.migrate()
                        try await ledger.migrate()
                    }
                    logger.info("database ready", metadata: ["db.url": "\(url.redacted)"])
                })
            try await runService(app, handleSignals: handleSignals)
        }
    }

    static func runService(_ app: some ApplicationProtocol, handleSignals: Bool) async throws {
        if handleSignals {
            try await app.runService()
        } else {
            try await app.runService(gracefulShutdownSignals: [])
        }
    }
}
