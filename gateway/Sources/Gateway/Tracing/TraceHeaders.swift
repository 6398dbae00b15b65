import NIOHTTP1
import Tracing

/// W3C trace context (`traceparent`, `tracestate`) on the gateway's outgoing requests: to
/// providers and to platform-token-runtime. The current span's context is injected by the
/// process's instrument; with tracing off there is no current context and nothing is added (the
/// HTTP clients' own tracing stays off: it would cost every request, see ``HTTPTimeoutConfig``).
enum TraceHeaders {
    static func inject(into headers: inout HTTPHeaders) {
        guard let context = ServiceContext.current else { return }
        InstrumentationSystem.instrument.inject(context, into: &headers, using: Injector())
    }

    struct Injector: Tracing.Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout HTTPHeaders) {
            carrier.replaceOrAdd(name: key, value: value)
        }
    }
}
