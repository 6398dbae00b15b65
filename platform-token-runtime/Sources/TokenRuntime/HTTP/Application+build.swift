import Hummingbird
import Logging
import ServiceLifecycle
import ServiceSupport
import TokenProtocol

/// The parts one running runtime is made of, built by ``RuntimeApplication/build(configuration:logger:store:clock:)``.
public struct RuntimeApplication: Sendable {
    public let configuration: RuntimeConfiguration
    public let service: TokenService
    public let metrics: RuntimeMetrics
    /// Revocations for `GET /v1/events` subscribers.
    public let events: RevocationEventHub
    /// Wrong credentials per client address (nil with TOKEN_RUNTIME_AUTH_FAILURE_LIMIT=0).
    public let authFailures: AuthFailureBudget?
    /// Usage reported by gateways (`/v1/usage`) and each token's spend.
    public let ledger: any UsageLedger

    /// Wires store, service, metrics and routes. `store` defaults to the configured store; `ledger`
    /// to one in memory.
    public init(
        configuration: RuntimeConfiguration,
        store: any TokenStore = InMemoryTokenStore(),
        clock: any WallClock = SystemWallClock(),
        ledger: any UsageLedger = InMemoryUsageLedger()
    ) {
        self.configuration = configuration
        self.ledger = ledger
        let metrics = RuntimeMetrics()
        self.metrics = metrics
        let events = RevocationEventHub(historyLimit: configuration.eventHistory)
        self.events = events
        authFailures =
            configuration.authFailureLimit > 0
            ? AuthFailureBudget(
                failuresPerMinute: configuration.authFailureLimit, clock: clock, logger: Logger(label: "platform-token-runtime"))
            : nil
        self.service = TokenService(
            store: store,
            clock: clock,
            limits: .init(defaultTTL: configuration.defaultTTL, maxTTL: configuration.maxTTL, issuer: configuration.issuer),
            metrics: metrics,
            // A shared database tells every replica (this one included) of each revocation; a
            // memory store has only this process's.
            onRevoke: store is PostgresTokenStore ? nil : Self.publisher(events)
        )
        if let shared = store as? PostgresTokenStore {
            shared.observeRevocations { tokenID, digest in
                events.publish(RevocationEvent(jti: tokenID, tokenDigest: digest.hex, revokedAt: SystemWallClock().now()))
            }
        }
    }

    static func publisher(_ events: RevocationEventHub) -> @Sendable (TokenRecord) async -> Void {
        { record in
            events.publish(RevocationEvent(jti: record.id, tokenDigest: record.digest.hex, revokedAt: SystemWallClock().now()))
        }
    }

    public func buildRouter(readiness: @escaping @Sendable () async -> Bool = { true }) -> Router<RuntimeRequestContext> {
        let router = Router(context: RuntimeRequestContext.self)
        router.add(middleware: RuntimeHTTPMiddleware(metrics: metrics, trustedProxies: configuration.trustedProxies))
        let auth = CallerAuthentication(
            adminKey: configuration.adminKey, introspectionSecret: configuration.introspectionSecret, failures: authFailures,
            metrics: metrics)
        HealthRoutes(service: service, metrics: metrics, readiness: readiness).register(on: router)
        IntrospectionRoutes(service: service, auth: auth, maxBodyBytes: configuration.maxBodyBytes).register(on: router)
        AdminRoutes(service: service, auth: auth, maxBodyBytes: configuration.maxBodyBytes, ledger: ledger).register(on: router)
        UsageRoutes(ledger: ledger, auth: auth, metrics: LedgerMetrics(metrics)).register(on: router)
        EventRoutes(hub: events, auth: auth, heartbeat: configuration.eventHeartbeat).register(on: router)
        return router
    }

    /// The HTTP application. `services` run next to the server (started first, stopped last);
    /// `beforeServerStarts` runs once they are running and before the port is opened: a throw
    /// there stops everything and is rethrown by `run`.
    public func buildApplication(
        logger: Logger,
        readiness: @escaping @Sendable () async -> Bool = { true },
        services: [any Service] = [],
        beforeServerStarts: (@Sendable () async throws -> Void)? = nil
    ) -> some ApplicationProtocol {
        var app = Application(
            router: buildRouter(readiness: readiness),
            server: .hardened(limits: configuration.inbound, tls: configuration.tls, metrics: metrics.connections, logger: logger),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "platform-token-runtime",
                backlog: ListenBacklog.connections
            ),
            logger: logger
        )
        var services = services
        if let authFailures { services.append(PeriodicTask(every: .seconds(30)) { authFailures.sweep() }) }
        app.addServices(services)
        if let beforeServerStarts { app.beforeServerStarts(perform: beforeServerStarts) }
        return app
    }
}
