import Tracing

/// Set on a request's context when its server span is sampled out (``ServerSpanMiddleware``).
public enum TraceSampledOutKey: ServiceContextKey {
    public typealias Value = Bool
}

extension ServiceContext {
    /// The request's server span is sampled out: so is everything under it.
    public var traceSampledOut: Bool {
        get { self[TraceSampledOutKey.self] ?? false }
        set { self[TraceSampledOutKey.self] = newValue }
    }
}

/// The spans of a request's stages. Under a server span that was sampled out, every child is
/// sampled out too (a ratio sampler decides by the trace id, a parent-based one follows the
/// parent), so these start nothing: the body gets a no-op span carrying the request's context
/// (whose `traceparent`, flags `00`, still propagates). `withSpan` would pay for each one a span
/// id, a sampling decision and a span object (profiled: most of tracing's cost per request at 1%
/// sampling). With tracing off the context has no mark and the no-op tracer answers as before.
public func withStageSpan<T>(
    _ name: String, context: ServiceContext? = nil, ofKind kind: SpanKind = .internal,
    isolation: isolated (any Actor)? = #isolation, _ operation: (any Span) async throws -> T
) async rethrows -> T {
    let parent = context ?? ServiceContext.current ?? .topLevel
    if parent.traceSampledOut { return try await operation(NoOpTracer.NoOpSpan(context: parent)) }
    return try await withSpan(name, context: parent, ofKind: kind, isolation: isolation, operation)
}

/// ``withStageSpan(_:context:ofKind:isolation:_:)`` for synchronous work.
public func withStageSpan<T>(
    _ name: String, context: ServiceContext? = nil, ofKind kind: SpanKind = .internal, _ operation: (any Span) throws -> T
) rethrows -> T {
    let parent = context ?? ServiceContext.current ?? .topLevel
    if parent.traceSampledOut { return try operation(NoOpTracer.NoOpSpan(context: parent)) }
    return try withSpan(name, context: parent, ofKind: kind, operation)
}

/// A stage span ended by the caller; a no-op span under a sampled-out server span.
public func startStageSpan(_ name: String, context: ServiceContext? = nil, ofKind kind: SpanKind = .internal) -> any Span {
    let parent = context ?? ServiceContext.current ?? .topLevel
    if parent.traceSampledOut { return NoOpTracer.NoOpSpan(context: parent) }
    return startSpan(name, context: parent, ofKind: kind)
}
