import Logging
import ServiceLifecycle
import ServiceSupport

/// A background service that forgets quota entries nobody counts any more (leases lapsed, and
/// requests of minutes ended, more than `age` ago), every `interval`, so the holders of gateway
/// processes long gone do not pile up. Failures are logged and tried again at the next turn.
struct QuotaSweeper: Service {
    let store: any QuotaStore
    let clock: any WallClock
    let interval: Duration
    let age: Double
    let logger: Logger

    init(store: any QuotaStore, clock: any WallClock, interval: Duration = .seconds(300), age: Double = 3_600, logger: Logger) {
        self.store = store
        self.clock = clock
        self.interval = interval
        self.age = age
        self.logger = logger
    }

    func run() async throws {
        while true {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                try await store.sweep(before: clock.now() - age)
            } catch {
                logger.warning("quota sweep failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
