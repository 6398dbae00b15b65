/// How long a client may take over each part of a request, and how many connections a server
/// keeps open: the defence against slow and idle clients (both services, `*_SERVER_*`).
///
/// - `headerTimeout`: the whole request head must arrive within it, counted from its first byte
///   (a trickle does not reset it); then 408 and close.
/// - `bodyTimeout`: the longest silence while a request body is being read; then 408 (when no
///   response has started) and close.
/// - `idleTimeout`: a connection with no request in progress (kept alive, or never used) is closed
///   after it.
/// - `maxConnections`: open connections at most; at the cap the longest-idle connection is closed
///   to make room, and when none is idle the new one is closed at once.
///
/// None of these cut a response being written (a stream may run for as long as it needs).
public struct InboundLimits: Sendable, Equatable {
    public var headerTimeout: Duration
    public var bodyTimeout: Duration
    public var idleTimeout: Duration
    public var maxConnections: Int

    public init(
        headerTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(75),
        maxConnections: Int = 10_000
    ) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }

    /// The names of the four variables of one service.
    public struct Variables: Sendable {
        public var headerTimeout: String
        public var bodyTimeout: String
        public var idleTimeout: String
        public var maxConnections: String

        public static let gateway = Variables(
            headerTimeout: "GATEWAY_SERVER_HEADER_TIMEOUT", bodyTimeout: "GATEWAY_SERVER_BODY_TIMEOUT",
            idleTimeout: "GATEWAY_SERVER_IDLE_TIMEOUT", maxConnections: "GATEWAY_SERVER_MAX_CONNECTIONS")
        public static let tokenRuntime = Variables(
            headerTimeout: "TOKEN_RUNTIME_SERVER_HEADER_TIMEOUT", bodyTimeout: "TOKEN_RUNTIME_SERVER_BODY_TIMEOUT",
            idleTimeout: "TOKEN_RUNTIME_SERVER_IDLE_TIMEOUT", maxConnections: "TOKEN_RUNTIME_SERVER_MAX_CONNECTIONS")
    }

    /// Unset means the default; invalid values are errors naming their variable.
    public static func load(_ names: Variables, from env: inout EnvironmentReader) -> InboundLimits {
        let defaults = InboundLimits()
        return InboundLimits(
            headerTimeout: env.duration(names.headerTimeout, default: defaults.headerTimeout),
            bodyTimeout: env.duration(names.bodyTimeout, default: defaults.bodyTimeout),
            idleTimeout: env.duration(names.idleTimeout, default: defaults.idleTimeout),
            maxConnections: env.int(names.maxConnections, default: defaults.maxConnections, range: 1...10_000_000))
    }
}
