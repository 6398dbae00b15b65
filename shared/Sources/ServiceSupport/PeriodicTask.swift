import ServiceLifecycle

/// A background service that runs `work` every `interval` (expired cache entries, idle
/// failed-authentication budgets), so idle state does not wait for an access to be freed. Stops on
/// graceful shutdown or cancellation.
public struct PeriodicTask: Service {
    let interval: Duration
    let work: @Sendable () -> Void

    public init(every interval: Duration, _ work: @escaping @Sendable () -> Void) {
        self.interval = interval
        self.work = work
    }

    public func run() async throws {
        while true {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            work()
        }
    }
}
