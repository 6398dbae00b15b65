import AsyncHTTPClient
import Hummingbird
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import TokenProtocol
import ServiceSupport

/// The gateway's parts, wired in one place and in a fixed order:
/// configuration -> metrics -> token verifier -> audit sink -> provider registry and routing ->
/// router and middleware -> server and background services (cache sweeper, audit writer, client
/// shutdown) in one service group. (Logging is bootstrapped by the executable before this.)
public struct GatewayApplication: Sendable {
    public let configuration: GatewayConfiguration
    public let metrics: GatewayMetrics
    public let verifier: any TokenVerifier
    /// The introspection cache (remote mode only).
    public let cache: IntrospectionCache?
    public let audit: any AuditSink
    public let registry: ProviderRegistry
    public let rateLimiter: RateLimiter
    /// Where usage is reported and read: the runtime's ledger (nil with GATEWAY_USAGE_ACCOUNTING=off,
    /// or in dev mode without an in-process ledger).
    public let ledger: (any UsageLedgerClient)?
    let usageReporter: UsageReporter?
    /// This gateway's leases of token budgets and requests-per-minute windows (nil when the token
    /// runtime offers no quota authority).
    public let quota: QuotaLeases?
    /// The revocation stream follower (remote mode with GATEWAY_REVOCATION_STREAM=on).
    public let revocations: RevocationSubscriber?
    /// Failed authentications per client address (nil with GATEWAY_AUTH_FAILURE_LIMIT=0).
    public let authFailures: AuthFailureBudget?
    /// The global ceiling on introspections of uncached tokens (nil with GATEWAY_TOKEN_RUNTIME_MAX_MISS_RATE=0).
    public let missRate: IntrospectionRateLimit?
    /// dev only: the token generated at startup when GATEWAY_DEV_TOKENS was unset.
    public let generatedDevToken: String?
    let runtimeHTTPClient: HTTPClient?
    let backgroundServices: [any Service]
    let logger: Logger

    /// Wires everything. `audit`, `registry` and `ledger` replace the configured ones (tests pass their own).
    /// `devRuntime`: the token runtime running in this process, required in dev `inmemory` mode and
    /// injected by the executable (this library does not link platform-token-runtime).
    public static func build(
        configuration: GatewayConfiguration, logger: Logger, clock: any WallClock = SystemWallClock(),
        audit: (any AuditSink)? = nil, registry: ProviderRegistry? = nil, ledger replacement: (any UsageLedgerClient)? = nil,
        devRuntime: (any DevTokenRuntime)? = nil
    ) async throws -> GatewayApplication {
        for warning in configuration.warnings { logger.warning("\(warning)") }
        // metrics
        let metrics = GatewayMetrics()
        // token verifier
        var verifier: any TokenVerifier
        var cache: IntrospectionCache?
        var runtimeHTTPClient: HTTPClient?
        var generatedDevToken: String?
        var services: [any Service] = []
        var revocations: RevocationSubscriber?
        var quota: QuotaLeases?
        switch configuration.mode {
        case .remoteIntrospection:
            let httpClient = runtimeClient(configuration.http, tls: configuration.tokenRuntimeTLS)
            quota = QuotaLeases(
                authority: RemoteQuotaAuthority(
                    baseURL: configuration.tokenRuntimeURL, secret: configuration.tokenRuntimeSecret, httpClient: httpClient),
                clock: clock, logger: logger, metricsFactory: metrics.factory)
            let introspectionCache = IntrospectionCache(config: configuration.tokenCache, clock: clock)
            verifier = RemoteTokenRuntime(
                client: HTTPIntrospectionClient(
                    baseURL: configuration.tokenRuntimeURL, secret: configuration.tokenRuntimeSecret, httpClient: httpClient,
                    deadline: configuration.tokenRuntimeTimeout),
                cache: introspectionCache, metrics: metrics.tokenCache, logger: logger)
            cache = introspectionCache
            runtimeHTTPClient = httpClient
            services.append(PeriodicTask(every: configuration.tokenCache.sweepInterval) { introspectionCache.sweep() })
            if configuration.revocationStream {
                // Its own client: the stream is idle between heartbeats for longer than GATEWAY_HTTP_READ_TIMEOUT allows.
                var streamTimeouts = configuration.http
                streamTimeouts.read = .seconds(30)
                let streamClient = runtimeClient(streamTimeouts, tls: configuration.tokenRuntimeTLS)
                let subscriber = RevocationSubscriber(
                    baseURL: configuration.tokenRuntimeURL, secret: configuration.tokenRuntimeSecret, httpClient: streamClient,
                    cache: introspectionCache, metrics: metrics, logger: logger, quota: quota)
                revocations = subscriber
                // Shut down in reverse order: the subscriber stops before its client closes.
                services.append(ShutdownHook { try? await streamClient.shutdown() })
                services.append(subscriber)
            }
        case .inmemory:
            guard let devRuntime else { throw DevTokenRuntimeMissing() }
            generatedDevToken = try await devRuntime.registerDevTokens(configuration.devTokens)
            verifier = devRuntime
            if let authority = devRuntime as? any QuotaAuthorityClient {
                quota = QuotaLeases(authority: authority, clock: clock, logger: logger, metricsFactory: metrics.factory)
            }
        }
        if let quota { services.append(PeriodicTask(every: .seconds(1)) { Task { await quota.maintain() } }) }
        // audit sink
        let auditSink: any AuditSink
        if let audit {
            auditSink = audit
        } else if let databaseURL = configuration.databaseURL {
            auditSink = try await postgresAudit(databaseURL, configuration: configuration, metrics: metrics, logger: logger, services: &services)
        } else {
            if configuration.isDev {
                logger.info("audit: no database configured, keeping records in memory")
            } else {
                logger.warning("audit: no database configured, keeping records in memory")
            }
            auditSink = InMemoryAuditSink(capacity: 10_000)
        }
        // providers and routing
        let providers =
            registry
            ?? ProviderRegistry.build(
                configuration.providers, http: configuration.http, strategy: configuration.routing, prices: configuration.modelPrices,
                clock: clock)
        // forged-token defences
        var authFailures: AuthFailureBudget?
        if configuration.authFailureLimit > 0 {
            let budget = AuthFailureBudget(failuresPerMinute: configuration.authFailureLimit, clock: clock, logger: logger)
            services.append(PeriodicTask(every: .seconds(30)) { budget.sweep() })
            authFailures = budget
        }
        let missRate =
            configuration.mode == .remoteIntrospection && configuration.tokenRuntimeMaxMissRate > 0
            ? IntrospectionRateLimit(perSecond: configuration.tokenRuntimeMaxMissRate, clock: clock) : nil
        let closingClient = runtimeHTTPClient
        services.append(
            ShutdownHook {
                await providers.shutdown()
                try? await closingClient?.shutdown()
            })
        // usage ledger (after the hook above, so it stops, flushing, before the runtime client closes)
        var ledger: (any UsageLedgerClient)?
        var usageReporter: UsageReporter?
        if configuration.usageAccounting {
            if let replacement {
                ledger = replacement
            } else if let runtimeHTTPClient {
                ledger = RemoteUsageLedger(
                    baseURL: configuration.tokenRuntimeURL, secret: configuration.tokenRuntimeSecret, httpClient: runtimeHTTPClient)
            } else {
                ledger = devRuntime as? any UsageLedgerClient
            }
            if let ledger {
                let reporter = UsageReporter(
                    ledger: ledger,
                    configuration: .init(
                        capacity: configuration.usageQueueCapacity, batchSize: 1_000, flushInterval: .milliseconds(250),
                        // A report to a PostgreSQL ledger may take up to its 10 s query deadline.
                        writeTimeout: .seconds(15), shutdownGracePeriod: configuration.shutdownGrace),
                    metrics: metrics, logger: logger)
                services.append(reporter)
                usageReporter = reporter
            }
        }
        return GatewayApplication(
            configuration: configuration, metrics: metrics, verifier: verifier, cache: cache, audit: auditSink,
            registry: providers, rateLimiter: RateLimiter(clock: clock), ledger: ledger, usageReporter: usageReporter,
            quota: quota, revocations: revocations,
            authFailures: authFailures, missRate: missRate, generatedDevToken: generatedDevToken,
            runtimeHTTPClient: runtimeHTTPClient, backgroundServices: services, logger: logger)
    }

    /// A client for the token runtime: the outbound timeouts, and for an `https://` URL the trust
    /// roots it is verified against (the system's or GATEWAY_TOKEN_RUNTIME_CA_FILE).
    static func runtimeClient(_ timeouts: HTTPTimeoutConfig, tls: NIOSSL.TLSConfiguration?) -> HTTPClient {
        var client = timeouts.clientConfiguration
        if let tls { client.tlsConfiguration = tls }
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: client)
    }

    /// The PostgreSQL audit sink and its client, as services. A database that does not answer at
    /// startup is not fatal: records queue (up to GATEWAY_AUDIT_QUEUE_SIZE) until it does.
    static func postgresAudit(
        _ databaseURL: String, configuration: GatewayConfiguration, metrics: GatewayMetrics, logger: Logger,
        services: inout [any Service]
    ) async throws -> PostgresAuditSink {
        let url = try PostgresURL(databaseURL)
        let client = PostgresClient(configuration: url.clientConfiguration(connectTimeout: .seconds(2)), backgroundLogger: logger)
        let sink = try PostgresAuditSink(
            client: client,
            configuration: .init(delivery: .init(capacity: configuration.auditQueueCapacity, shutdownGracePeriod: configuration.shutdownGrace)),
            metricsFactory: metrics.factory, logger: logger)
        // Shut down in reverse order: the sink flushes before its client closes.
        services.append(client)
        services.append(sink)
        services.append(
            StartupTask {
                do {
                    try await sink.migrate(timeout: .seconds(5))
                    logger.info("audit: writing records to PostgreSQL", metadata: ["db.url": "\(url.redacted)"])
                } catch {
                    logger.warning(
                        "audit: database not reachable at startup; records queue until it answers",
                        metadata: ["db.url": "\(url.redacted)"])
                }
            })
        return sink
    }

    /// Routes and middleware. With tracing on, ``ServerSpanMiddleware`` comes first. Every route under `/v1` and its alias `/api/v1` passes the API stages
    /// in this order: ``AuditMiddleware`` (the record, written whatever happens next) ->
    /// (``AnthropicErrorMiddleware`` on Anthropic's routes) -> ``AuthMiddleware`` (the claims) ->
    /// ``LimitsMiddleware`` and ``UsageMiddleware`` (on the routes that reach a provider) -> the
    /// handler. Health, metrics and CORS preflights are outside the API group.
    public func buildRouter() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        // With tracing on, the server span wraps everything (GATEWAY_TRACING; off, the chain has no trace stage).
        if configuration.tracing { router.add(middleware: ServerSpanMiddleware()) }
        router.add(
            middleware: GatewayMiddleware(cors: configuration.cors, metrics: metrics, trustedProxies: configuration.trustedProxies))
        let auditStage = AuditMiddleware(sink: audit, clock: SystemWallClock())
        let authStage = AuthMiddleware(
            authenticator: RequestAuthenticator(verifier: verifier, failures: authFailures, missRate: missRate, metrics: metrics.auth))
        let limitsStage = LimitsMiddleware(
            limiter: rateLimiter,
            defaults: .init(requestsPerMinute: configuration.rateLimitRPM, tokensPerMinute: configuration.rateLimitTPM),
            metrics: metrics, quota: quota)
        let usageStage = UsageMiddleware(reporter: usageReporter, metrics: UsageMetrics(factory: metrics.factory))
        let proxy = ProxyHandler(
            registry: registry, metrics: metrics, maxBodyBytes: configuration.maxBodyBytes, clock: SystemWallClock(),
            fallback: configuration.fallback, usageAccounting: configuration.usageAccounting,
            budget: configuration.usageAccounting ? quota.map(BudgetGate.init(leases:)) : nil, logger: logger)
        let models = ModelsHandler(registry: registry)
        let usage = UsageHandler(ledger: ledger, quota: quota, logger: logger)
        let countTokens = CountTokensHandler(registry: registry, maxBodyBytes: configuration.maxBodyBytes)
        var keyStage = authStage
        keyStage.acceptsAPIKey = true
        for prefix in ["/v1", "/api/v1"] {
            let api = router.group(RouterPath(prefix)).add(middleware: auditStage).add(middleware: authStage)
            let authenticated = api.group(context: AuthenticatedRequestContext.self)
            authenticated.get("usage") { request, context in try await usage.handle(request, context: context) }
            let metered = api.group(context: AuthenticatedRequestContext.self).add(middleware: limitsStage)
            if configuration.usageAccounting { metered.add(middleware: usageStage) }
            for endpoint in Endpoint.openAI {
                metered.post(RouterPath(endpoint.rawValue)) { request, context in
                    try await proxy.handle(request, context: context, endpoint: endpoint)
                }
            }
            // Both kinds of client list models: the key as either header, Anthropic's shape and
            // errors when the request carries anthropic-version.
            let catalogue = router.group(RouterPath(prefix)).add(middleware: auditStage)
                .add(middleware: AnthropicErrorMiddleware(onlyWithVersionHeader: true)).add(middleware: keyStage)
                .group(context: AuthenticatedRequestContext.self)
            catalogue.get("models") { request, context in try await models.handle(request, context: context) }
            catalogue.get("models/{id}") { request, context in
                try await models.handle(request, context: context, id: context.parameters.require("id"))
            }
            // Anthropic's Messages API: the same stages, errors in Anthropic's envelope.
            let anthropic = router.group(RouterPath(prefix)).add(middleware: auditStage).add(middleware: AnthropicErrorMiddleware())
                .add(middleware: keyStage)
            anthropic.group(context: AuthenticatedRequestContext.self).post("messages/count_tokens") { request, context in
                try await countTokens.handle(request, context: context)
            }
            let messages = anthropic.group(context: AuthenticatedRequestContext.self).add(middleware: limitsStage)
            if configuration.usageAccounting { messages.add(middleware: usageStage) }
            messages.post("messages") { request, context in try await proxy.handle(request, context: context, endpoint: .messages) }
        }
        let probe = runtimeHTTPClient.map { HealthRoutes.runtimeProbe(baseURL: configuration.tokenRuntimeURL, client: $0) }
        HealthRoutes(
            metrics: metrics, cache: cache, authFailures: authFailures, audit: audit, runtimeProbe: probe, revocations: revocations,
            providers: registry
        ).register(on: router)
        return router
    }

    /// The HTTP server with the background services it owns.
    public func buildApplication() -> some ApplicationProtocol {
        Application(
            router: buildRouter(),
            server: .hardened(limits: configuration.inbound, tls: configuration.tls, metrics: metrics.connections, logger: logger),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "lijiaoqiao-gateway",
                backlog: ListenBacklog.connections),
            services: backgroundServices,
            logger: logger)
    }
}
