import Hummingbird
import Logging
import ServiceLifecycle
import ServiceSupport

/// Runs the runtime until SIGTERM/SIGINT: the body of the executable's `serve` command.
public enum RuntimeServer {
    public static func run(configuration: RuntimeConfiguration) async throws {
        // With tracing on, log lines carry the active span's trace_id and span_id.
        let traceMetadata = configuration.tracing ? TracingSetup.loggingMetadataProvider() : nil
        LoggingSystem.bootstrap { label in
            DeferredMetadataLogHandler.standardError(label: label, level: configuration.logLevel, metadataProvider: traceMetadata)
        }
        let logger = Logger(label: "platform-token-runtime")
        for variable in configuration.generatedSecrets {
            let value = variable == "TOKEN_RUNTIME_ADMIN_KEY" ? configuration.adminKey : configuration.introspectionSecret
            logger.warning(
                "dev only: generated a secret because it was unset; set it explicitly outside dev",
                metadata: ["variable": "\(variable)", "value": "\(value)"])
        }
        // The tracer before the application: its HTTP clients pick up the process's tracer when built.
        let tracing = try configuration.tracing ? TracingSetup.bootstrap(serviceName: "platform-token-runtime", logger: logger) : nil
        do {
            try await serve(configuration: configuration, logger: logger, tracing: tracing)
        } catch let error as DatabaseStartupError {
            logger.critical("cannot start: the database is not usable", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Builds the application (``RuntimeApplication/build(configuration:logger:clock:)``) and
    /// serves until graceful shutdown: the testable part of `run`. `handleSignals`: shut down
    /// gracefully on SIGTERM/SIGINT (tests cancel instead).
    /// `tracing`: the span exporter (``TracingSetup``), run before the server and stopped after it.
    public static func serve(
        configuration: RuntimeConfiguration, logger: Logger, handleSignals: Bool = true, tracing: (any Service)? = nil
    ) async throws {
        // Every client connection and event subscriber holds a socket: run with the highest open-file limit allowed.
        let files = OpenFileLimit.raiseToHardLimit()
        logger.info(
            "starting",
            metadata: [
                "env": "\(configuration.environment)", "store": "\(configuration.store.rawValue)",
                "address": "\(configuration.host):\(configuration.port)", "tls": "\(configuration.tls != nil)",
                "connections.max": "\(configuration.inbound.maxConnections)",
                "open_files_limit": "\(files?.description ?? "unknown")", "tracing": "\(configuration.tracing)",
            ])
        let app = try RuntimeApplication.build(configuration: configuration, logger: logger).buildApplication()
        guard let tracing else {
            if handleSignals {
                try await app.runService()
            } else {
                try await app.runService(gracefulShutdownSignals: [])
            }
            return
        }
        // Services stop in reverse order: the exporter flushes after the server stopped.
        let group = ServiceGroup(
            configuration: .init(services: [tracing, app], gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: logger))
        try await group.run()
    }
}
