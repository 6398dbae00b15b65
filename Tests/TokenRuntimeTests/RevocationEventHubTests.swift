import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

@Suite struct RevocationEventHubTests {
    func event(_ index: Int) -> RevocationEvent {
        RevocationEvent(jti: "tok_\(index)", tokenDigest: TokenDigest(token: "t\(index)").hex, revokedAt: Double(index))
    }

    /// The first `count` frames of `stream`.
    func take(_ count: Int, from stream: AsyncStream<RevocationEventHub.Frame>) async -> [RevocationEventHub.Frame] {
        var frames: [RevocationEventHub.Frame] = []
        for await frame in stream {
            frames.append(frame)
            if frames.count == count { break }
        }
        return frames
    }

    @Test func liveSubscribersGetHelloThenEveryEvent() async {
        let hub = RevocationEventHub(epoch: "e")
        let stream = hub.subscribe(after: nil)
        hub.publish(event(1))
        hub.publish(event(2))
        let frames = await take(3, from: stream)
        #expect(frames == [
            .hello(.init(epoch: "e", sequence: 0)), .revoked(.init(epoch: "e", sequence: 1), event(1)),
            .revoked(.init(epoch: "e", sequence: 2), event(2)),
        ])
    }

    @Test func resumingReplaysWhatWasMissed() async {
        let hub = RevocationEventHub(epoch: "e")
        for index in 1...5 { hub.publish(event(index)) }
        let frames = await take(3, from: hub.subscribe(after: "e-3"))
        #expect(frames == [
            .hello(.init(epoch: "e", sequence: 5)), .revoked(.init(epoch: "e", sequence: 4), event(4)),
            .revoked(.init(epoch: "e", sequence: 5), event(5)),
        ])
    }

    @Test(arguments: ["e-1", "other-4", "e-99", "garbage"])
    func positionsOutsideTheHistoryGetAReset(_ lastEventID: String) async {
        let hub = RevocationEventHub(epoch: "e", historyLimit: 3)
        for index in 1...6 { hub.publish(event(index)) }  // keeps 4, 5, 6
        let frames = await take(1, from: hub.subscribe(after: lastEventID))
        #expect(frames == [.reset(.init(epoch: "e", sequence: 6), reason: "unknown_or_expired_position")])
    }

    @Test func theOldestKeptPositionStillResumes() async {
        let hub = RevocationEventHub(epoch: "e", historyLimit: 3)
        for index in 1...6 { hub.publish(event(index)) }
        let frames = await take(4, from: hub.subscribe(after: "e-3"))
        #expect(frames.count == 4)
        #expect(frames.first == .hello(.init(epoch: "e", sequence: 6)))
    }

    @Test func aSlowSubscriberIsDroppedInsteadOfBufferedWithoutBound() async {
        let hub = RevocationEventHub(epoch: "e", subscriberBuffer: 4)
        let stream = hub.subscribe(after: nil)
        #expect(hub.subscriberCount == 1)
        for index in 1...10 { hub.publish(event(index)) }
        #expect(hub.subscriberCount == 0)
        var count = 0
        for await _ in stream { count += 1 }
        #expect(count == 4)  // what fit in its buffer; then the stream ended
    }

    @Test func cancelledSubscribersAreRemoved() async {
        let hub = RevocationEventHub(epoch: "e")
        let task = Task { for await _ in hub.subscribe(after: nil) {} }
        while hub.subscriberCount == 0 { await Task.yield() }
        task.cancel()
        await task.value
        #expect(hub.subscriberCount == 0)
    }

    @Test func eventIDsRoundTrip() {
        #expect(RevocationEventID("abc-42") == RevocationEventID(epoch: "abc", sequence: 42))
        #expect(RevocationEventID("a-b-7")?.epoch == "a-b")
        #expect(RevocationEventID("-7") == nil)
        #expect(RevocationEventID("abc") == nil)
    }
}
