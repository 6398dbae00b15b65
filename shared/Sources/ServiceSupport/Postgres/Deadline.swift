/// Bounds how long an operation may take. PostgresClient waits for a connection for as long as
/// the pool keeps retrying (up to a minute), so every database call that a request or a startup
/// waits on goes through here.
public enum Deadline {
    /// Runs `operation`, cancelling it and throwing ``DeadlineExceeded`` after `limit`.
    /// Cancellation reaches a query still waiting for a pool connection at once; a query already
    /// sent finishes or fails with its connection.
    @discardableResult
    public static func run<T: Sendable>(
        within limit: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw DeadlineExceeded(limit: limit)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

/// An operation did not finish within its deadline.
public struct DeadlineExceeded: Error, Sendable, Equatable, CustomStringConvertible {
    public var limit: Duration

    public init(limit: Duration) {
        self.limit = limit
    }

    public var description: String {
        let (seconds, attoseconds) = limit.components
        return "no answer within \(seconds * 1_000 + attoseconds / 1_000_000_000_000_000) ms"
    }
}
