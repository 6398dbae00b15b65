import Logging

/// A log handler (for the services, swift-log's `StreamLogHandler`: same output, same stream)
/// whose logger metadata is kept aside and only handed to it, merged, when a line is written.
///
/// `StreamLogHandler` re-renders its whole metadata string every time a key is set, and
/// Hummingbird sets `hb.request.id` on every request's logger: about 5% of the CPU of an
/// introspection (perf, bench/HISTORY.md) went to formatting metadata no log line used.
public struct DeferredMetadataLogHandler<Inner: LogHandler>: LogHandler {
    private var inner: Inner
    public var metadata: Logger.Metadata = [:]

    public init(wrapping inner: Inner) {
        self.inner = inner
    }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        }
        inner.log(event: event)
    }
}

extension DeferredMetadataLogHandler where Inner == StreamLogHandler {
    /// The services' handler: standard error, at `level`; `metadataProvider` adds metadata from the
    /// task's context to every line (the trace and span ids with tracing on, ``TracingSetup``).
    public static func standardError(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) -> Self {
        var stream = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
        stream.logLevel = level
        return Self(wrapping: stream)
    }
}
