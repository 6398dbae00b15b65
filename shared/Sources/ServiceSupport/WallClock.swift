import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Wall-clock time in seconds since the Unix epoch. Token lifetimes (`exp`, `iat`) and cache
/// deadlines are read from one of these, so tests can move time instead of sleeping.
public protocol WallClock: Sendable {
    func now() -> Double
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// A clock that moves only when told to: the injected clock of TTL and lifecycle tests.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Double>

    public init(_ start: Double = 1_800_000_000) {
        current = Mutex(start)
    }

    public func now() -> Double {
        current.withLock { $0 }
    }

    public func advance(by seconds: Double) {
        current.withLock { $0 += seconds }
    }

    public func set(_ seconds: Double) {
        current.withLock { $0 = seconds }
    }
}
