import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

/// The console's token list against every store: newest first, text search over subject, id and
/// client id (any case, `%` and `_` taken literally), with the filters and cursor paging of the
/// issue-order list.
@Suite struct TokenListQueryTests {
    @Test(arguments: StoreKind.available)
    func newestFirstSearchAndPaging(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let clock = ManualWallClock(1_800_000_000)
            let service = TokenService(store: store, clock: clock)
            var ids: [String] = []
            let subjects = ["Alice", "bob", "carol", "alice-2", "dave_x", "daveYx", "erin"]
            for (index, subject) in subjects.enumerated() {
                let issued = try await service.issue(
                    IssueTokenRequest(subject: subject, ttlSeconds: 100, clientID: index == 6 ? "team-ALICE" : nil))
                ids.append(issued.view.id)
            }
            _ = try await service.revoke(id: ids[3])

            // Newest first, paged by cursor, every token exactly once.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await service.list(TokenQuery(limit: 3, after: cursor, newestFirst: true))
                seen += page.data.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == Array(ids.reversed()))

            // Search: any case, in the subject or the client id; newest first.
            #expect(try await service.list(TokenQuery(search: "alice", newestFirst: true)).data.map(\.id) == [ids[6], ids[3], ids[0]])
            #expect(try await service.list(TokenQuery(search: "ALICE")).data.map(\.id) == [ids[0], ids[3], ids[6]])
            // By id.
            #expect(try await service.list(TokenQuery(search: ids[2])).data.map(\.id) == [ids[2]])
            // `_` and `%` are literal characters, not LIKE wildcards.
            #expect(try await service.list(TokenQuery(search: "dave_")).data.map(\.id) == [ids[4]])
            #expect(try await service.list(TokenQuery(search: "%")).data.isEmpty)
            // With the other filters.
            #expect(try await service.list(TokenQuery(status: .revoked, search: "alice", newestFirst: true)).data.map(\.id) == [ids[3]])
            #expect(try await service.list(TokenQuery(subject: "bob", search: "o")).data.map(\.id) == [ids[1]])
            // Paging through a search, newest first.
            let first = try await service.list(TokenQuery(limit: 2, search: "alice", newestFirst: true))
            #expect(first.data.map(\.id) == [ids[6], ids[3]])
            let second = try await service.list(TokenQuery(limit: 2, after: first.nextCursor, search: "alice", newestFirst: true))
            #expect(second.data.map(\.id) == [ids[0]])
            #expect(second.nextCursor == nil)
        }
    }
}
