import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle
import ServiceSupport
import TokenProtocol

/// The runtime's parts, wired in one place and in a fixed order:
/// configuration -> store (memory, or PostgreSQL with its client, listener and startup checks) ->
/// metrics -> event hub, alert webhook and announcer -> failed-authentication budget -> token service ->
/// quota authority and budget alerts -> router and middleware -> server and background services in one application.
/// (Logging is bootstrapped by ``RuntimeServer`` before this.)
public struct RuntimeApplication: Sendable {
    public let configuration: RuntimeConfiguration
    public let service: TokenService
    public let metrics: RuntimeMetrics
    /// Revocations and the other stream events for `GET /v1/events` subscribers.
    public let events: RevocationEventHub
    /// Announces stream events (policy updates, quota recalls, budget alerts) to the subscribers
    /// of every replica; budget alerts also go to the alert webhook.
    public let announcer: any StreamAnnouncer
    /// `TOKEN_RUNTIME_ALERT_WEBHOOK_URL`'s delivery (nil when unset); runs as a background service.
    public let alertWebhook: BudgetAlertWebhook?
    /// Wrong credentials per client address (nil with TOKEN_RUNTIME_AUTH_FAILURE_LIMIT=0).
    public let authFailures: AuthFailureBudget?
    /// Usage reported by gateways (`/v1/usage`) and each token's spend.
    public let ledger: any UsageLedger
    /// `POST /v1/quota/lease` over the quota store of the ledger (nil: a ledger with no quota store
    /// was given, and the route is not served).
    public let quota: QuotaAuthority?
    /// Budget alerts after each usage report (nil without a quota store).
    public let budgetAlerts: BudgetAlerts?
    /// The admin console's sessions (nil with TOKEN_RUNTIME_ADMIN_CONSOLE=off).
    public let consoleSessions: ConsoleSessions?
    /// Failed console sign-ins per client address (TOKEN_RUNTIME_ADMIN_SIGNIN_LIMIT).
    let signInFailures: AuthFailureBudget
    /// When this application was built (Unix seconds): the status page's uptime.
    let startedAt: Double
    let clock: any WallClock
    /// Services that run next to the HTTP server (started first, stopped last): the store's.
    let backgroundServices: [any Service]
    /// Runs once the background services run and before the port opens; a throw stops everything.
    let beforeServerStarts: (@Sendable () async throws -> Void)?
    let logger: Logger

    /// Wires everything around the configured store: the in-memory one, or PostgreSQL at
    /// `TOKEN_RUNTIME_DATABASE_URL`, whose client and revocation listener become background
    /// services and whose database is probed and migrated before the port opens (an unusable
    /// database fails startup within about `databaseTimeout` with a ``DatabaseStartupError``).
    ///
    /// `announcer` replaces the ``ClusterStreamAnnouncer`` (tests record what is announced).
    public static func build(
        configuration: RuntimeConfiguration, logger: Logger, clock: any WallClock = SystemWallClock(),
        announcer: (any StreamAnnouncer)? = nil
    ) throws -> RuntimeApplication {
        switch configuration.store {
        case .memory:
            return RuntimeApplication(configuration: configuration, announcer: announcer, logger: logger, clock: clock)
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
            let quota = try PostgresQuotaStore(
                client: client, configuration: .init(queryTimeout: configuration.databaseTimeout), logger: logger)
            let timeout = configuration.databaseTimeout
            return RuntimeApplication(
                configuration: configuration, store: store, ledger: ledger, quotaStore: quota, announcer: announcer, logger: logger,
                clock: clock,
                backgroundServices: [client, store],
                beforeServerStarts: {
                    try await PostgresStartup.probe(url, variable: variable, timeout: timeout, logger: logger)
                    try await PostgresStartup.run("migrations", url: url, variable: variable) {
                        try await store.migrate()
                        try await ledger.migrate()
                    }
                    logger.info("database ready", metadata: ["db.url": "\(url.redacted)"])
                })
        }
    }

    /// Wires metrics, events, the service and the routes around `store` and `ledger` (default: new
    /// in-memory ones). Nothing runs in the background: tests and the gateway's in-process runtime
    /// use this.
    ///
    /// - Parameters:
    ///   - quotaStore: the quota authority's store; nil: derived from `ledger` (an
    ///     ``InMemoryQuotaStore`` settling an ``InMemoryUsageLedger``, a ``PostgresQuotaStore`` on a
    ///     ``PostgresUsageLedger``'s client and schema; no quota route for another ledger).
    ///   - announcer: replaces the ``ClusterStreamAnnouncer`` that publishes policy updates, quota
    ///     recalls and budget alerts to every replica's subscribers (tests record them instead).
    public init(
        configuration: RuntimeConfiguration,
        store: any TokenStore = InMemoryTokenStore(),
        ledger: any UsageLedger = InMemoryUsageLedger(),
        quotaStore: (any QuotaStore)? = nil,
        announcer: (any StreamAnnouncer)? = nil,
        logger: Logger = Logger(label: "platform-token-runtime"),
        clock: any WallClock = SystemWallClock()
    ) {
        self.init(
            configuration: configuration, store: store, ledger: ledger, quotaStore: quotaStore, announcer: announcer, logger: logger,
            clock: clock, backgroundServices: [])
    }

    init(
        configuration: RuntimeConfiguration, store: any TokenStore, ledger: any UsageLedger, quotaStore: (any QuotaStore)?,
        announcer injected: (any StreamAnnouncer)?, logger: Logger, clock: any WallClock, backgroundServices: [any Service],
        beforeServerStarts: (@Sendable () async throws -> Void)? = nil
    ) {
        self.configuration = configuration
        self.ledger = ledger
        self.logger = logger
        self.clock = clock
        startedAt = clock.now()
        // metrics
        let metrics = RuntimeMetrics()
        self.metrics = metrics
        // revocation events
        let events = RevocationEventHub(historyLimit: configuration.eventHistory)
        self.events = events
        var services = backgroundServices
        let webhook = configuration.alertWebhookURL.map {
            BudgetAlertWebhook(configuration: .init(url: $0), metricsFactory: metrics.factory, logger: logger)
        }
        if let webhook { services.append(webhook) }
        self.alertWebhook = webhook
        let announcer = injected ?? ClusterStreamAnnouncer(hub: events, store: store, webhook: webhook, logger: logger)
        self.announcer = announcer
        // forged-credential defence
        if configuration.authFailureLimit > 0 {
            let budget = AuthFailureBudget(failuresPerMinute: configuration.authFailureLimit, clock: clock, logger: logger)
            services.append(PeriodicTask(every: .seconds(30)) { budget.sweep() })
            authFailures = budget
        } else {
            authFailures = nil
        }
        // admin console sessions and sign-in budget
        signInFailures = AuthFailureBudget(failuresPerMinute: configuration.adminSignInLimit, clock: clock, logger: logger)
        if configuration.adminConsole {
            let sessions = ConsoleSessions(idleTimeout: configuration.adminSessionIdle, clock: clock)
            consoleSessions = sessions
            let failures = signInFailures
            services.append(
                PeriodicTask(every: .seconds(60)) {
                    sessions.sweep()
                    _ = failures.sweep()
                })
        } else {
            consoleSessions = nil
        }
        // token service
        service = TokenService(
            store: store,
            clock: clock,
            limits: .init(defaultTTL: configuration.defaultTTL, maxTTL: configuration.maxTTL, issuer: configuration.issuer),
            metrics: metrics,
            // A shared database tells every replica (this one included) of each revocation; a
            // memory store has only this process's.
            onRevoke: store is PostgresTokenStore ? nil : Self.publisher(events),
            announcer: announcer
        )
        // quota authority and budget alerts
        if let quotaStore = quotaStore ?? Self.quotaStore(for: ledger, timeout: configuration.databaseTimeout, logger: logger) {
            quota = QuotaAuthority(
                store: quotaStore, tokens: store, announcer: announcer, clock: clock, leaseTTL: configuration.quotaLeaseTTL.inSeconds,
                metrics: QuotaMetrics(metrics))
            budgetAlerts = BudgetAlerts(quota: quotaStore, tokens: store, announcer: announcer, clock: clock, logger: logger)
            services.append(QuotaSweeper(store: quotaStore, clock: clock, logger: logger))
        } else {
            quota = nil
            budgetAlerts = nil
        }
        self.backgroundServices = services
        self.beforeServerStarts = beforeServerStarts
        if let shared = store as? PostgresTokenStore {
            shared.observeRevocations { tokenID, digest in
                events.publish(RevocationEvent(jti: tokenID, tokenDigest: digest.hex, revokedAt: SystemWallClock().now()))
            }
            shared.observeStreamEvents { event in events.publish(event) }
        }
    }

    /// The quota store that goes with `ledger`, if there is one.
    static func quotaStore(for ledger: any UsageLedger, timeout: Duration, logger: Logger) -> (any QuotaStore)? {
        switch ledger {
        case let memory as InMemoryUsageLedger:
            return InMemoryQuotaStore(ledger: memory)
        case let shared as PostgresUsageLedger:
            return try? PostgresQuotaStore(
                client: shared.client, configuration: .init(schema: shared.configuration.schema, queryTimeout: timeout), logger: logger)
        default:
            return nil
        }
    }

    static func publisher(_ events: RevocationEventHub) -> @Sendable (TokenRecord) async -> Void {
        { record in
            events.publish(RevocationEvent(jti: record.id, tokenDigest: record.digest.hex, revokedAt: SystemWallClock().now()))
        }
    }

    /// Routes and middleware: health, introspection and RFC 7009, the admin API, the usage ledger, the
    /// quota authority, the event stream.
    public func buildRouter() -> Router<RuntimeRequestContext> {
        let router = Router(context: RuntimeRequestContext.self)
        // With tracing on, every request's server span, joining the caller's trace (TOKEN_RUNTIME_TRACING).
        if configuration.tracing { router.add(middleware: ServerSpanMiddleware()) }
        router.add(middleware: RuntimeHTTPMiddleware(metrics: metrics, trustedProxies: configuration.trustedProxies))
        let auth = CallerAuthentication(
            adminKey: configuration.adminKey, introspectionSecret: configuration.introspectionSecret, failures: authFailures,
            metrics: metrics, console: consoleSessions.map { ConsoleCookieAuthentication(sessions: $0) })
        HealthRoutes(service: service, metrics: metrics).register(on: router)
        RuntimeStatusRoutes(
            service: service, metrics: metrics, events: events, auth: auth, startedAt: startedAt,
            clock: clock
        ).register(on: router)
        if let consoleSessions {
            let missing = ConsoleAssets.shared.missing
            if !missing.isEmpty {
                logger.error(
                    "admin console files missing from the build's resources", metadata: ["files": "\(missing.joined(separator: ", "))"])
            }
            ConsoleRoutes(
                sessions: consoleSessions, adminKey: configuration.adminKey, signInFailures: signInFailures,
                secureCookie: configuration.tls != nil
            ).register(on: router)
        }
        IntrospectionRoutes(service: service, auth: auth, maxBodyBytes: configuration.maxBodyBytes).register(on: router)
        AdminRoutes(service: service, auth: auth, maxBodyBytes: configuration.maxBodyBytes, ledger: ledger).register(on: router)
        UsageRoutes(ledger: ledger, auth: auth, metrics: LedgerMetrics(metrics), alerts: budgetAlerts).register(on: router)
        if let quota { QuotaRoutes(authority: quota, auth: auth, maxBodyBytes: configuration.maxBodyBytes).register(on: router) }
        EventRoutes(hub: events, auth: auth, heartbeat: configuration.eventHeartbeat).register(on: router)
        return router
    }

    /// The HTTP server with the background services it owns.
    public func buildApplication() -> some ApplicationProtocol {
        var app = Application(
            router: buildRouter(),
            server: .hardened(limits: configuration.inbound, tls: configuration.tls, metrics: metrics.connections, logger: logger),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "platform-token-runtime",
                backlog: ListenBacklog.connections
            ),
            logger: logger
        )
        app.addServices(backgroundServices)
        if let beforeServerStarts { app.beforeServerStarts(perform: beforeServerStarts) }
        return app
    }
}
