import Logging
import OTel
import ServiceLifecycle
import Tracing

/// OpenTelemetry traces for a service (`GATEWAY_TRACING` / `TOKEN_RUNTIME_TRACING`): swift-otel's
/// tracer with its OTLP/HTTP exporter, bootstrapped as the process's tracer, configured by the
/// standard `OTEL_*` variables that swift-otel reads (README.md, "Traces"). Traces only: this
/// never touches the logging or metrics systems (the services log to stderr and serve Prometheus).
///
/// With tracing off nothing is bootstrapped: the process keeps swift-distributed-tracing's
/// `NoOpTracer` and no log line pays for the trace metadata provider.
public enum TracingSetup {
    /// The `OTEL_*` variables checked here before swift-otel reads them: values it would crash on
    /// (gRPC, which this build does not include, and the Jaeger/X-Ray samplers it does not implement)
    /// are configuration errors instead.
    public static let protocolVariables = ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]
    public static let supportedProtocols = ["http/protobuf", "http/json"]
    public static let supportedSamplers = [
        "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio",
    ]
    public static let supportedExporters = ["otlp", "none"]

    /// Checks the `OTEL_*` values swift-otel 1.6 would stop the process on (a `fatalError`).
    public static func validate(_ env: inout EnvironmentReader) {
        for variable in protocolVariables {
            _ = env.choice(variable, default: "http/protobuf", allowed: supportedProtocols)
        }
        _ = env.choice("OTEL_TRACES_SAMPLER", default: "parentbased_always_on", allowed: supportedSamplers)
        _ = env.choice("OTEL_TRACES_EXPORTER", default: "otlp", allowed: supportedExporters)
        if let ratio = env.raw("OTEL_TRACES_SAMPLER_ARG"), Double(ratio).map({ (0...1).contains($0) }) != true {
            env.fail("OTEL_TRACES_SAMPLER_ARG", "invalid ratio \"\(ratio)\"; use a number from 0 to 1")
        }
    }

    /// Bootstraps the tracer (swift-otel reads the `OTEL_*` variables from the process environment) and returns the service that exports its spans (batched, in the
    /// background: a collector that is down or slow costs requests nothing; spans beyond the
    /// queue, `OTEL_BSP_MAX_QUEUE_SIZE`, are dropped). Run it in the process's service group,
    /// before the server, so it shuts down (flushing) after the server. Call once, before any
    /// HTTP client is created (AsyncHTTPClient picks the tracer up when it is configured).
    public static func bootstrap(serviceName: String, logger: Logger) throws -> any Service {
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        return backend.service
    }

    /// Log lines carry `trace_id` and `span_id` while a span is active (install only with tracing on).
    public static func loggingMetadataProvider() -> Logger.MetadataProvider {
        OTel.makeLoggingMetadataProvider()
    }
}
