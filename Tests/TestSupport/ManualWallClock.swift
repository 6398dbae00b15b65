import ServiceSupport
import Synchronization

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
