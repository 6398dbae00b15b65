import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

/// `GET /v1/events` across replicas: a revocation through one replica reaches the event
/// subscribers of every replica sharing the database (LISTEN/NOTIFY feeds each replica's hub).
@Suite(.enabled(if: TestDatabase.isConfigured, "needs LJQ_TEST_DATABASE_URL"))
struct ReplicaEventsTests {
    @Test func aRevocationThroughOneReplicaReachesTheSubscribersOfTheOther() async throws {
        try await withPostgresStores(2, label: "events") { stores in
            let a = RuntimeApplication(configuration: .testing(), store: stores[0])
            let b = RuntimeApplication(configuration: .testing(), store: stores[1])
            let atA = a.events.subscribe(after: nil)
            let atB = b.events.subscribe(after: nil)
            let issued = try await a.service.issue(IssueTokenRequest(subject: "alice"))
            _ = try await a.service.revoke(id: issued.view.id)
            for stream in [atA, atB] {
                var frames: [RevocationEventHub.Frame] = []
                for await frame in stream {
                    frames.append(frame)
                    if frames.count == 2 { break }
                }
                guard case .revoked(_, let event) = frames.last else {
                    Issue.record("expected a revoked event, got \(frames)")
                    continue
                }
                #expect(event.jti == issued.view.id)
                #expect(event.tokenDigest == TokenDigest(token: issued.token).hex)
            }
            // Exactly one event per revocation on each replica, its own included.
            #expect(a.events.currentID.sequence == 1)
            #expect(b.events.currentID.sequence == 1)
        }
    }
}
