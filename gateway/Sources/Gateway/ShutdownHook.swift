import ServiceSupport
import ServiceLifecycle

/// A service that does nothing until graceful shutdown, then runs `action` (closing HTTP client
/// pools). Listed before the server, it runs after the server has drained.
struct ShutdownHook: Service {
    let action: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await action()
    }
}

/// A service that runs `action` once at startup (next to the others), then idles until shutdown.
struct StartupTask: Service {
    let action: @Sendable () async -> Void

    func run() async throws {
        await action()
        try? await gracefulShutdown()
    }
}
