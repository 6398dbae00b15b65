import Hummingbird
import Logging
import TokenProtocol

/// Runs the runtime until SIGTERM/SIGINT: the body of the executable's `serve` command.
public enum RuntimeServer {
    public static func run(configuration: RuntimeConfiguration) async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = configuration.logLevel
            return handler
        }
        let logger = Logger(label: "platform-token-runtime")
        for variable in configuration.generatedSecrets {
            let value = variable == "TOKEN_RUNTIME_ADMIN_KEY" ? configuration.adminKey : configuration.introspectionSecret
            logger.warning(
                "dev only: generated a secret because it was unset; set it explicitly outside dev",
                metadata: ["variable": "\(variable)", "value": "\(value)"])
        }
        guard configuration.store == .memory else {
            logger.critical("the postgres token store is not available in this build")
            throw RuntimeServerError.unsupportedStore
        }
        let runtime = RuntimeApplication(configuration: configuration)
        logger.info(
            "starting",
            metadata: [
                "env": "\(configuration.environment)", "store": "\(configuration.store.rawValue)",
                "address": "\(configuration.host):\(configuration.port)",
            ])
        // Hummingbird runs the server in a ServiceGroup that shuts down gracefully on SIGTERM/SIGINT.
        try await runtime.buildApplication(logger: logger).runService()
    }
}

enum RuntimeServerError: Error {
    case unsupportedStore
}
