import Logging
import Metrics
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
import TokenRuntime
@testable import Gateway

/// The seed's matrix: {active, expired, revoked, unknown} x {fresh, just before TTL, just after TTL}
/// x {exp inside, outside the active TTL}, on an injected clock. For each case: is the second
/// verification served from the cache, and what verdict does it give?
@Suite struct IntrospectionCacheMatrixTests {
    enum Timing: String, CaseIterable { case fresh, justBeforeTTL, justAfterTTL }
    enum ExpPlacement: String, CaseIterable { case insideActiveTTL, outsideActiveTTL }

    struct Case: CustomTestStringConvertible, Sendable {
        let status: TokenStatus
        let timing: Timing
        let exp: ExpPlacement
        var testDescription: String { "\(status.rawValue) \(timing.rawValue) exp \(exp.rawValue)" }
    }

    static let cases: [Case] = TokenStatus.allCases.flatMap { status in
        Timing.allCases.flatMap { timing in ExpPlacement.allCases.map { Case(status: status, timing: timing, exp: $0) } }
    }

    static let config = TokenCacheConfig(
        activeTTL: .seconds(30), expiredTTL: .seconds(120), revokedTTL: .seconds(600), unknownTTL: .seconds(120))

    @Test(arguments: cases)
    func secondVerification(_ testCase: Case) async throws {
        let clock = ManualWallClock(1_800_000_000)
        let service = TokenService(store: InMemoryTokenStore(), clock: clock)
        let client = InProcessIntrospectionClient(service: service)
        let verifier = RemoteTokenRuntime(
            client: client, cache: IntrospectionCache(config: Self.config, clock: clock),
            metrics: TokenCacheMetrics(factory: TestMetricsFactory()), logger: Logger(label: "test"))

        // A token whose exp is 10 s (inside the 30 s active TTL) or 1 h (outside) after issue.
        let lifetime: Int64 = testCase.exp == .insideActiveTTL ? 10 : 3600
        var token = TokenFormat.generate()
        if testCase.status != .unknown {
            let issued = try await service.issue(IssueTokenRequest(subject: "alice", ttlSeconds: lifetime))
            token = issued.token
            if testCase.status == .revoked { _ = try await service.revoke(id: issued.view.id) }
            if testCase.status == .expired { clock.advance(by: Double(lifetime)) }
        }

        let first = await verifier.verify(token)
        #expect(client.calls == 1)
        #expect(first == (testCase.status == .active ? first : .inactive(testCase.status)))
        if testCase.status == .active { #expect(first.isActive) }

        // The time this answer may be cached: by status, and for active never past exp.
        let ttl: Double =
            testCase.status == .active
            ? min(30, Double(lifetime)) : Self.config.ttl(for: testCase.status)
        let step: Double
        switch testCase.timing {
        case .fresh: step = 1
        case .justBeforeTTL: step = ttl - 0.001
        case .justAfterTTL: step = ttl
        }
        clock.advance(by: step)

        let second = await verifier.verify(token)
        let servedFromCache = testCase.timing != .justAfterTTL
        #expect(client.calls == (servedFromCache ? 1 : 2))
        if servedFromCache {
            #expect(second == first)
        } else {
            // Back at the runtime: whatever it says now.
            #expect(second == TokenVerdict(try await service.introspect(token: token)))
            if testCase.status == .active, testCase.exp == .insideActiveTTL {
                #expect(second == .inactive(.expired))
            }
        }
    }

    @Test func matrixHasAtLeastTheSeedsCases() {
        #expect(Self.cases.count >= 22)
    }
}

extension TokenVerdict {
    var isActive: Bool {
        if case .active = self { return true }
        return false
    }
}
