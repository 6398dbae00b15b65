import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import ServiceSupport
import TokenProtocol

/// `GET /v1/events`: revocations and the other stream events as server-sent events, authenticated
/// like introspection.
///
/// Frames: `event: hello` (the current position, first), `event: revoked` (data: jti, token_digest,
/// revoked_at), `event: updated` (jti, token_digest, updated_at), `event: recall` (jti),
/// `event: budget` (a ``BudgetAlertEvent``), each with its id and its data as JSON with sorted keys;
/// `event: reset` (drop every cached active entry), and `: heartbeat` comments every
/// `heartbeat` so idle proxies keep the connection. Resume with `Last-Event-ID`. The stream ends on
/// graceful shutdown, and with a reset when the subscriber fell too far behind.
struct EventRoutes: Sendable {
    let hub: RevocationEventHub
    let auth: CallerAuthentication
    let heartbeat: Duration

    func register(on router: Router<RuntimeRequestContext>) {
        router.get(RouterPath(RuntimePath.events)) { request, context in try stream(request, context: context) }
    }

    func stream(_ request: Request, context: RuntimeRequestContext) throws -> Response {
        try auth.requireIntrospector(request, context: context)
        let frames = hub.subscribe(after: request.headers[.lastEventID])
        let hub = self.hub
        let heartbeat = self.heartbeat
        let body = ResponseBody { writer in
            let (out, output) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingOldest(4096))
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        var lastWasReset = false
                        for await frame in frames {
                            output.yield(Self.encode(frame))
                            if case .reset = frame { lastWasReset = true } else { lastWasReset = false }
                        }
                        if !Task.isCancelled, !lastWasReset {
                            output.yield(Self.encode(.reset(hub.currentID, reason: "subscriber_too_slow")))
                        }
                        output.finish()
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: heartbeat)
                            output.yield(ByteBuffer(string: ": heartbeat\n\n"))
                        }
                    }
                    try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
                    for await chunk in out { try await writer.write(chunk) }
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                output.finish()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no"],
            body: body)
    }

    static func encode(_ frame: RevocationEventHub.Frame) -> ByteBuffer {
        switch frame {
        case .hello(let id):
            return ByteBuffer(string: "event: \(RevocationStream.hello)\nid: \(id)\ndata: {}\n\n")
        case .event(let id, let event):
            let data = (try? event.jsonData()).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return ByteBuffer(string: "event: \(event.name)\nid: \(id)\ndata: \(data)\n\n")
        case .reset(let id, let reason):
            return ByteBuffer(string: "event: \(RevocationStream.reset)\nid: \(id)\ndata: {\"reason\":\"\(reason)\"}\n\n")
        }
    }
}

extension HTTPField.Name {
    static let lastEventID = Self(RevocationStream.lastEventIDHeader)!
}
