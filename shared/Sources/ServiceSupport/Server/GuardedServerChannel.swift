import HummingbirdCore
import Logging
import NIOCore

/// A server child channel (HTTP/1.1, possibly inside TLS) whose connections are admitted by a
/// ``ConnectionRegistry`` and watched from their first byte: a refused connection is closed
/// before any handler is added; an admitted one gets an ``InboundByteTap`` first in its pipeline
/// and leaves the registry when it closes.
public struct GuardedServerChannel<Base: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Base.Value

    let base: Base
    let registry: ConnectionRegistry

    public init(_ base: Base, registry: ConnectionRegistry) {
        self.base = base
        self.registry = registry
    }

    /// Thrown by `setup` for a connection refused at the cap (the channel is already closed).
    public struct ConnectionRefused: Error {}

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard let connection = registry.admit(channel) else {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionRefused())
        }
        let registry = self.registry
        channel.closeFuture.whenComplete { _ in registry.remove(connection) }
        do {
            try channel.pipeline.syncOperations.addHandler(InboundByteTap(connection: connection), position: .first)
        } catch {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(error)
        }
        return base.setup(channel: channel, logger: logger)
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
