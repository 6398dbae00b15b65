import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

/// Every kind of stream event on `GET /v1/events`: its event name, its data as sorted-key JSON,
/// and the history that `Last-Event-ID` resumes from.
@Suite struct StreamEventFramesTests {
    static let digest = TokenDigest(token: "t").hex
    static let alert = BudgetAlertEvent(
        jti: "tok_b", subject: "alice", thresholdPercent: 80, spentNanoUSD: NanoUSD(8_000_000_000),
        maxBudgetNanoUSD: NanoUSD(10_000_000_000), budgetPeriod: .day, periodStart: 1_800_000_000, periodEnd: 1_800_086_400,
        time: 1_800_000_123)
    static let events: [StreamEvent] = [
        .revoked(RevocationEvent(jti: "tok_r", tokenDigest: digest, revokedAt: 1.5)),
        .updated(TokenUpdatedEvent(jti: "tok_u", tokenDigest: digest, updatedAt: 2.5)),
        .recall(QuotaRecallEvent(jti: "tok_q")),
        .budget(alert),
    ]

    @Test func eachKindIsWrittenWithItsNameAndSortedJSON() {
        let id = RevocationEventID(epoch: "e", sequence: 7)
        let written = Self.events.map { String(buffer: EventRoutes.encode(.event(id, $0))) }
        #expect(
            written == [
                "event: revoked\nid: e-7\ndata: {\"jti\":\"tok_r\",\"revoked_at\":1.5,\"token_digest\":\"\(Self.digest)\"}\n\n",
                "event: updated\nid: e-7\ndata: {\"jti\":\"tok_u\",\"token_digest\":\"\(Self.digest)\",\"updated_at\":2.5}\n\n",
                "event: recall\nid: e-7\ndata: {\"jti\":\"tok_q\"}\n\n",
                "event: budget\nid: e-7\ndata: {\"budget_period\":\"day\",\"jti\":\"tok_b\",\"max_budget_nano_usd\":10000000000,"
                    + "\"period_end\":1800086400,\"period_start\":1800000000,\"spent_nano_usd\":8000000000,\"subject\":\"alice\","
                    + "\"threshold_percent\":80,\"time\":1800000123}\n\n",
            ])
    }

    @Test func theNotificationEnvelopeCarriesEveryKind() throws {
        for event in Self.events {
            #expect(StreamEventEnvelope.decode(try StreamEventEnvelope.encode(event)) == event)
        }
        #expect(StreamEventEnvelope.decode(#"{"event":"nonsense","data":{}}"#) == nil)
        #expect(StreamEventEnvelope.decode("garbage") == nil)
    }

    @Test func resumingReplaysEveryKind() async {
        let hub = RevocationEventHub(epoch: "e")
        for event in Self.events { hub.publish(event) }
        var frames: [RevocationEventHub.Frame] = []
        for await frame in hub.subscribe(after: "e-1") {
            frames.append(frame)
            if frames.count == 4 { break }
        }
        #expect(
            frames == [
                .hello(.init(epoch: "e", sequence: 4)), .event(.init(epoch: "e", sequence: 2), Self.events[1]),
                .event(.init(epoch: "e", sequence: 3), Self.events[2]), .event(.init(epoch: "e", sequence: 4), Self.events[3]),
            ])
    }

    /// Over a real connection: an announced recall and budget alert, then a subscriber resuming
    /// after the first gets the second again.
    @Test func announcedEventsReachTheHTTPStream() async throws {
        let configuration = RuntimeConfiguration.testing()
        let runtime = RuntimeApplication(configuration: configuration, clock: ManualWallClock(1_800_000_000))
        let app = Application(router: runtime.buildRouter())
        try await app.test(.live) { client in
            let port = try #require(client.port)
            await runtime.announcer.announce(Self.events[2])
            await runtime.announcer.announce(Self.events[3])
            // From the start of the history (a subscriber without Last-Event-ID hears only what follows).
            let all = try await Self.read(
                port: port, secret: configuration.introspectionSecret, lastEventID: "\(runtime.events.epoch)-0", until: "event: budget")
            #expect(all.contains("event: recall\nid: \(runtime.events.epoch)-1\ndata: {\"jti\":\"tok_q\"}\n\n"))
            let resumed = try await Self.read(
                port: port, secret: configuration.introspectionSecret, lastEventID: "\(runtime.events.epoch)-1", until: "event: budget")
            #expect(!resumed.contains("event: recall"))
            #expect(resumed.contains("event: budget\nid: \(runtime.events.epoch)-2\n"))
        }
    }

    /// The stream's text until it contains `marker` (at most 10 s).
    static func read(port: Int, secret: String, lastEventID: String?, until marker: String) async throws -> String {
        try await Deadline.run(within: .seconds(10)) { try await readUnbounded(port: port, secret: secret, lastEventID: lastEventID, until: marker) }
    }

    static func readUnbounded(port: Int, secret: String, lastEventID: String?, until marker: String) async throws -> String {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events")
        request.headers.add(name: "Authorization", value: "Bearer \(secret)")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        #expect(response.status == .ok)
        var text = ""
        for try await chunk in response.body {
            text += String(buffer: chunk)
            if text.contains(marker) { break }
        }
        return text
    }
}
