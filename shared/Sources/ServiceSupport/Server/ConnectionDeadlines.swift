import NIOCore

/// The read-side deadlines of one HTTP/1.1 connection, as a state machine without I/O: events
/// come in with the time they happened, and ``deadline`` says when the connection must next be
/// looked at. ``ConnectionDeadlineHandler`` drives it on the connection's event loop.
///
/// Phases:
/// - idle (no request in progress, since a time): closed after `idleTimeout`;
/// - reading a request head (since its first byte): closed after `headerTimeout`, however the
///   bytes trickle in;
/// - reading a request body (since its last byte): closed after `bodyTimeout` of silence;
/// - responding (the request was read, its answer is being written): no deadline at all, so a
///   long stream is never cut.
public struct ConnectionDeadlines: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case idle(since: NIODeadline)
        case readingHead(firstByte: NIODeadline)
        case readingBody(lastByte: NIODeadline)
        case responding
    }

    /// Why a connection was closed; the raw value is the metric's `reason` label.
    public enum Reason: String, Sendable, CaseIterable {
        case headerTimeout = "header_timeout"
        case bodyTimeout = "body_timeout"
        case idleTimeout = "idle_timeout"
    }

    public enum TimerAction: Sendable, Equatable {
        /// Nothing to enforce now (a response is being written).
        case nothing
        /// The deadline moved (more bytes came): look again then.
        case rearm(NIODeadline)
        /// Close the connection; `respond408` when a `408 Request Timeout` can still be written.
        case close(Reason, respond408: Bool)
    }

    public let limits: InboundLimits
    public private(set) var phase: Phase
    /// Requests whose head was read and whose response has not ended.
    private var unanswered = 0
    /// A response head was written for the oldest unanswered request.
    private var responseStarted = false
    /// A request head was read and its end has not been.
    private var bodyOpen = false

    public init(limits: InboundLimits, openedAt now: NIODeadline) {
        self.limits = limits
        self.phase = .idle(since: now)
    }

    /// Bytes arrived from the client (counted before they are decoded).
    public mutating func bytesRead(at now: NIODeadline) {
        switch phase {
        case .idle: phase = .readingHead(firstByte: now)
        case .readingBody: phase = .readingBody(lastByte: now)
        case .readingHead, .responding: break
        }
    }

    /// A whole request head was decoded.
    public mutating func requestHead(at now: NIODeadline) {
        unanswered += 1
        bodyOpen = true
        if unanswered == 1 { responseStarted = false }
        phase = .readingBody(lastByte: now)
    }

    /// The request's end was decoded: its whole body has arrived.
    public mutating func requestEnd(at now: NIODeadline) {
        bodyOpen = false
        phase = unanswered > 0 ? .responding : .idle(since: now)
    }

    /// A response head was written.
    public mutating func responseHead() {
        responseStarted = true
    }

    /// A response ended.
    public mutating func responseEnd(at now: NIODeadline) {
        unanswered = max(0, unanswered - 1)
        responseStarted = false
        if bodyOpen {
            return  // answered before its body was read (an early 4xx): the body deadline still holds
        }
        phase = unanswered > 0 ? .responding : .idle(since: now)
    }

    /// True while the connection may be closed to make room for another (nothing in progress).
    public var isIdle: Bool {
        if case .idle = phase { return true }
        return false
    }

    /// When the current phase's deadline passes, or nil while responding.
    public var deadline: NIODeadline? {
        switch phase {
        case .idle(let since): since + TimeAmount(limits.idleTimeout)
        case .readingHead(let firstByte): firstByte + TimeAmount(limits.headerTimeout)
        case .readingBody(let lastByte): lastByte + TimeAmount(limits.bodyTimeout)
        case .responding: nil
        }
    }

    /// What to do when a timer set for an earlier ``deadline`` fires at `now`.
    public func timerFired(at now: NIODeadline) -> TimerAction {
        guard let deadline else { return .nothing }
        guard now >= deadline else { return .rearm(deadline) }
        switch phase {
        case .idle: return .close(.idleTimeout, respond408: false)
        case .readingHead: return .close(.headerTimeout, respond408: unanswered == 0)
        case .readingBody: return .close(.bodyTimeout, respond408: unanswered == 1 && !responseStarted)
        case .responding: return .nothing
        }
    }
}

extension TimeAmount {
    /// The nearest whole nanoseconds of `duration`.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
