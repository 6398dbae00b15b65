import Synchronization
import ServiceSupport
import TokenProtocol
import TokenRuntime
@testable import Gateway

/// An IntrospectionClient backed by a real TokenService in this process, counting calls.
/// Optionally slow, or failing, to exercise single flight and outages.
final class InProcessIntrospectionClient: IntrospectionClient {
    let service: TokenService
    let delay: Duration
    private let state = Mutex((calls: 0, failuresLeft: 0))

    init(service: TokenService, delay: Duration = .zero) {
        self.service = service
        self.delay = delay
    }

    var calls: Int { state.withLock { $0.calls } }

    func failNext(_ count: Int) {
        state.withLock { $0.failuresLeft = count }
    }

    func introspect(_ token: String) async throws -> IntrospectionResponse {
        let fail = state.withLock { state in
            state.calls += 1
            guard state.failuresLeft > 0 else { return false }
            state.failuresLeft -= 1
            return true
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        if fail { throw IntrospectionClientError.status(503) }
        return try await service.introspect(token: token)
    }
}
