import ServiceLifecycle

/// Background service that drops expired cache entries every `sweepInterval`, so idle entries do
/// not wait for an access to be freed. Stops on graceful shutdown or cancellation.
public struct CacheSweeper: Service {
    let cache: IntrospectionCache

    public init(cache: IntrospectionCache) {
        self.cache = cache
    }

    public func run() async throws {
        let interval = cache.config.sweepInterval
        while true {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            cache.sweep()
        }
    }
}
