import Logging

/// swift-log's `StreamLogHandler` (same output, same stream), except that metadata set on the
/// logger is only formatted when a line is actually written.
///
/// `StreamLogHandler` re-renders its whole metadata string every time a key is set, and
/// Hummingbird sets `hb.request.id` on every request's logger: about 5% of the CPU of an
/// introspection (perf, bench/RESULTS.md) went to formatting metadata no log line used.
public struct DeferredMetadataLogHandler: LogHandler {
    private var stream: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    public init(wrapping stream: StreamLogHandler) {
        self.stream = stream
    }

    /// The services' handler: standard error, at `level`.
    public static func standardError(label: String, level: Logger.Level) -> DeferredMetadataLogHandler {
        var stream = StreamLogHandler.standardError(label: label)
        stream.logLevel = level
        return DeferredMetadataLogHandler(wrapping: stream)
    }

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
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
        stream.log(event: event)
    }
}
