import ServiceSupport
import Hummingbird
import NIOCore

/// The built-in `mock` provider, answered in-process (see ``MockCompletion``).
public struct MockProviderClient: ProviderClient {
    /// Pause between streamed chunks (0 in production use; tests slow it down).
    let chunkDelay: Duration

    public init(chunkDelay: Duration = .zero) {
        self.chunkDelay = chunkDelay
    }

    public func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        guard let input = MockCompletion.parse(request.body, endpoint: request.endpoint) else {
            return UpstreamResponse(
                status: 400, headers: [.contentType: "application/json"],
                body: .buffer(OpenAIError.invalidRequest("mock provider: body is not a JSON object").body))
        }
        guard input.stream, request.endpoint != .embeddings else {
            return UpstreamResponse(
                status: 200, headers: [.contentType: "application/json"],
                body: .buffer(MockCompletion.answer(input, endpoint: request.endpoint)))
        }
        let events = MockCompletion.events(input, endpoint: request.endpoint)
        let delay = chunkDelay
        let stream = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
            let task = Task {
                for event in events {
                    if delay > .zero { try? await Task.sleep(for: delay) }
                    if Task.isCancelled { break }
                    continuation.yield(event)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        return UpstreamResponse(status: 200, headers: [.contentType: "text/event-stream"], body: .chunks(stream))
    }

    public func shutdown() async throws {}
}
