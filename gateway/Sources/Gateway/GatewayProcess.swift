import Hummingbird
import Logging
import ServiceLifecycle
import ServiceSupport

/// Runs the gateway until SIGTERM/SIGINT: the body of the executable's `serve` command.
public enum GatewayProcess {
    public static func run(configuration: GatewayConfiguration, devRuntime: (any DevTokenRuntime)? = nil) async throws {
        // With tracing on, log lines carry the active span's trace_id and span_id.
        let traceMetadata = configuration.tracing ? TracingSetup.loggingMetadataProvider() : nil
        LoggingSystem.bootstrap { label in
            DeferredMetadataLogHandler.standardError(label: label, level: configuration.logLevel, metadataProvider: traceMetadata)
        }
        let logger = Logger(label: "gateway")
        // The tracer before the application: its HTTP clients pick up the process's tracer when built.
        let tracing = try configuration.tracing ? TracingSetup.bootstrap(serviceName: "lijiaoqiao-gateway", logger: logger) : nil
        // Every open stream holds two sockets: run with the highest open-file limit allowed.
        let files = OpenFileLimit.raiseToHardLimit()
        let gateway = try await GatewayApplication.build(configuration: configuration, logger: logger, devRuntime: devRuntime)
        if let token = gateway.generatedDevToken {
            logger.warning("dev only: generated a token for this process; it is shown once", metadata: ["token": "\(token)"])
        }
        logger.info(
            "starting",
            metadata: [
                "env": "\(configuration.environment)", "mode": "\(configuration.mode.rawValue)",
                "address": "\(configuration.host):\(configuration.port)", "providers": "\(configuration.providers.map(\.name))",
                "routing": "\(configuration.routing.rawValue)", "open_files_limit": "\(files?.description ?? "unknown")", "tls": "\(configuration.tls != nil)",
                "connections.max": "\(configuration.inbound.maxConnections)", "tracing": "\(configuration.tracing)",
            ])
        // The span exporter first: services stop in reverse order, so it flushes after the server stopped.
        var group = ServiceGroupConfiguration(
            services: (tracing.map { [$0] } ?? []) + [gateway.buildApplication()], gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        group.maximumGracefulShutdownDuration = configuration.shutdownGrace
        try await ServiceGroup(configuration: group).run()
    }
}
