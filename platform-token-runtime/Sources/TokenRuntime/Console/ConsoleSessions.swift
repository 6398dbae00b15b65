import Crypto
import ServiceSupport
import Synchronization

/// The admin console's sign-in sessions, in this process's memory: a random 256-bit id per
/// sign-in (the cookie's value), kept only as its SHA-256 digest, ended by logout, by
/// `idleTimeout` without a request, or `maxAge` after sign-in, whichever comes first.
///
/// Sessions are per replica: behind a load balancer that spreads one browser over several
/// replicas, sign in on each (or make the balancer sticky). At most `capacity` sessions live at
/// once; signing in beyond that ends the least recently used one.
public final class ConsoleSessions: Sendable {
    struct Session {
        var createdAt: Double
        var lastUsed: Double
    }

    public let idleTimeout: Double
    public let maxAge: Double
    public let capacity: Int
    let clock: any WallClock
    private let sessions = Mutex<[String: Session]>([:])

    public static let cookieName = "ljq_admin_session"

    public init(idleTimeout: Duration, maxAge: Duration = .seconds(12 * 3600), capacity: Int = 10_000, clock: any WallClock) {
        precondition(capacity > 0)
        self.idleTimeout = idleTimeout.inSeconds
        self.maxAge = maxAge.inSeconds
        self.capacity = capacity
        self.clock = clock
    }

    /// Starts a session; returns its id (shown to nobody but the browser, in the cookie).
    public func start() -> String {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<4).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
        let now = clock.now()
        sessions.withLock { sessions in
            if sessions.count >= capacity { Self.removeExpired(&sessions, now: now, idle: idleTimeout, maxAge: maxAge) }
            if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key {
                sessions.removeValue(forKey: oldest)
            }
            sessions[Self.digest(id)] = Session(createdAt: now, lastUsed: now)
        }
        return id
    }

    /// Whether `id` names a live session; a live one counts as used now.
    public func touch(_ id: some StringProtocol) -> Bool {
        let key = Self.digest(id)
        let now = clock.now()
        return sessions.withLock { sessions in
            guard var session = sessions[key] else { return false }
            guard now - session.lastUsed < idleTimeout, now - session.createdAt < maxAge else {
                sessions.removeValue(forKey: key)
                return false
            }
            session.lastUsed = now
            sessions[key] = session
            return true
        }
    }

    /// Ends the session `id` (logout); nothing when there is none.
    public func end(_ id: some StringProtocol) {
        let key = Self.digest(id)
        _ = sessions.withLock { $0.removeValue(forKey: key) }
    }

    /// Forgets expired sessions (a periodic task).
    public func sweep() {
        let now = clock.now()
        sessions.withLock { Self.removeExpired(&$0, now: now, idle: idleTimeout, maxAge: maxAge) }
    }

    /// Live and not yet swept sessions.
    public var count: Int { sessions.withLock { $0.count } }

    static func removeExpired(_ sessions: inout [String: Session], now: Double, idle: Double, maxAge: Double) {
        sessions = sessions.filter { now - $0.value.lastUsed < idle && now - $0.value.createdAt < maxAge }
    }

    static func digest(_ id: some StringProtocol) -> String {
        SHA256.hash(data: Array(id.utf8)).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
