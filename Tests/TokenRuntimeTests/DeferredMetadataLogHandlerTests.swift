import Logging
import Synchronization
import Testing

import ServiceSupport
@testable import TokenRuntime

/// Logger metadata must still reach every line (merged, explicit values winning) although the
/// handler only hands it over when a line is written.
@Suite struct DeferredMetadataLogHandlerTests {
    final class Lines: Sendable {
        let events = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])
    }

    struct Recording: LogHandler {
        let lines: Lines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            lines.events.withLock { $0.append((event.level, event.message.description, event.metadata ?? [:])) }
        }
    }

    @Test func metadataIsMergedIntoEachLineAndExplicitValuesWin() {
        let lines = Lines()
        var logger = Logger(label: "test") { _ in DeferredMetadataLogHandler(wrapping: Recording(lines: lines)) }
        logger[metadataKey: "hb.request.id"] = "r1"
        logger[metadataKey: "who"] = "logger"
        var child = logger
        child[metadataKey: "who"] = "child"  // a copy: the parent keeps its own value
        logger.info("one", metadata: ["extra": "1"])
        child.info("two", metadata: ["who": "explicit"])
        logger.debug("below the level")
        let events = lines.events.withLock { $0 }
        #expect(events.map(\.message) == ["one", "two"])
        #expect(events[0].metadata == ["hb.request.id": "r1", "who": "logger", "extra": "1"])
        #expect(events[1].metadata == ["hb.request.id": "r1", "who": "explicit"])
        #expect(logger[metadataKey: "who"] == "logger")
    }

    /// The level lives in the wrapped handler: what it was built with holds, and a level set on the
    /// logger reaches it (so `Logger` filters by it).
    @Test func levelIsTheInnerHandlers() {
        let lines = Lines()
        var logger = Logger(label: "test") { _ in
            DeferredMetadataLogHandler(wrapping: Recording(lines: lines, logLevel: .warning))
        }
        logger.info("below the wrapped handler's level")
        logger.warning("at it")
        logger.logLevel = .error
        logger.warning("below the level set later")
        #expect(lines.events.withLock { $0.map(\.message) } == ["at it"])
        #expect(DeferredMetadataLogHandler.standardError(label: "x", level: .warning).logLevel == .warning)
    }
}
