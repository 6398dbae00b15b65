import NIOCore
import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

/// The read-side deadlines as a pure state machine: instants are given, nothing sleeps.
@Suite struct ConnectionDeadlinesTests {
    let limits = InboundLimits(headerTimeout: .seconds(10), bodyTimeout: .seconds(30), idleTimeout: .seconds(75), maxConnections: 10)
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    func at(_ seconds: Double) -> NIODeadline { t0 + .nanoseconds(Int64(seconds * 1e9)) }

    @Test func aSilentConnectionIsClosedAfterTheIdleTimeoutWithout408() {
        let state = ConnectionDeadlines(limits: limits, openedAt: t0)
        #expect(state.isIdle)
        #expect(state.deadline == at(75))
        #expect(state.timerFired(at: at(74.9)) == .rearm(at(75)))
        #expect(state.timerFired(at: at(75)) == .close(.idleTimeout, respond408: false))
    }

    @Test func aTricklingHeadIsClosedHeaderTimeoutAfterItsFirstByte() {
        var state = ConnectionDeadlines(limits: limits, openedAt: t0)
        state.bytesRead(at: at(1))
        #expect(!state.isIdle)
        for second in stride(from: 2.0, through: 10.5, by: 0.5) { state.bytesRead(at: at(second)) }
        #expect(state.deadline == at(11))
        #expect(state.timerFired(at: at(11)) == .close(.headerTimeout, respond408: true))
    }

    @Test func aBodyMayPauseUpToTheBodyTimeoutBetweenReads() {
        var state = ConnectionDeadlines(limits: limits, openedAt: t0)
        state.bytesRead(at: at(1))
        state.requestHead(at: at(1))
        #expect(state.deadline == at(31))
        state.bytesRead(at: at(20))
        #expect(state.timerFired(at: at(31)) == .rearm(at(50)))
        #expect(state.timerFired(at: at(50)) == .close(.bodyTimeout, respond408: true))
    }

    @Test func noDeadlineWhileAResponseIsWrittenThenIdleFromItsEnd() {
        var state = ConnectionDeadlines(limits: limits, openedAt: t0)
        state.bytesRead(at: at(1))
        state.requestHead(at: at(1))
        state.requestEnd(at: at(1))
        state.responseHead()
        #expect(state.deadline == nil)
        #expect(state.timerFired(at: at(10_000)) == .nothing)
        #expect(!state.isIdle)
        state.responseEnd(at: at(500))
        #expect(state.isIdle)
        #expect(state.deadline == at(575))
        // The next request on the kept-alive connection starts a new header deadline.
        state.bytesRead(at: at(560))
        #expect(state.deadline == at(570))
    }

    @Test func anEarlyAnswerLeavesTheBodyDeadlineAndNo408() {
        var state = ConnectionDeadlines(limits: limits, openedAt: t0)
        state.bytesRead(at: at(1))
        state.requestHead(at: at(1))
        state.responseHead()
        #expect(state.timerFired(at: at(31)) == .close(.bodyTimeout, respond408: false))
        state.responseEnd(at: at(2))
        #expect(state.phase == .readingBody(lastByte: at(1)))
        state.requestEnd(at: at(3))
        #expect(state.isIdle)
    }

    @Test func aPipelinedRequestIsAnsweredBeforeTheConnectionIdles() {
        var state = ConnectionDeadlines(limits: limits, openedAt: t0)
        state.requestHead(at: at(1))
        state.requestEnd(at: at(1))
        state.requestHead(at: at(1))
        state.requestEnd(at: at(1))
        state.responseEnd(at: at(2))
        #expect(state.phase == .responding)
        state.responseEnd(at: at(3))
        #expect(state.phase == .idle(since: at(3)))
    }
}

@Suite struct InboundLimitsTests {
    @Test func defaults() {
        var env = EnvironmentReader([:])
        let limits = InboundLimits.load(.gateway, from: &env)
        #expect(env.errors.isEmpty)
        #expect(limits == InboundLimits(headerTimeout: .seconds(10), bodyTimeout: .seconds(30), idleTimeout: .seconds(75), maxConnections: 10_000))
    }

    @Test func invalidValuesNameTheirVariables() {
        var env = EnvironmentReader([
            "TOKEN_RUNTIME_SERVER_HEADER_TIMEOUT": "0s", "TOKEN_RUNTIME_SERVER_BODY_TIMEOUT": "soon",
            "TOKEN_RUNTIME_SERVER_IDLE_TIMEOUT": "2m", "TOKEN_RUNTIME_SERVER_MAX_CONNECTIONS": "0",
        ])
        let limits = InboundLimits.load(.tokenRuntime, from: &env)
        #expect(
            env.errors.map(\.variable) == [
                "TOKEN_RUNTIME_SERVER_HEADER_TIMEOUT", "TOKEN_RUNTIME_SERVER_BODY_TIMEOUT", "TOKEN_RUNTIME_SERVER_MAX_CONNECTIONS",
            ])
        #expect(limits.idleTimeout == .seconds(120))
    }

    @Test func missingOrUnreadableCertificatesFailNamingTheVariable() {
        var onlyCert = EnvironmentReader(["TOKEN_RUNTIME_TLS_CERT_FILE": "/nonexistent/cert.pem"])
        #expect(ServerTLS.load(certVariable: "TOKEN_RUNTIME_TLS_CERT_FILE", keyVariable: "TOKEN_RUNTIME_TLS_KEY_FILE", from: &onlyCert) == nil)
        #expect(onlyCert.errors.map(\.variable) == ["TOKEN_RUNTIME_TLS_KEY_FILE"])
        var unreadable = EnvironmentReader(["TOKEN_RUNTIME_TLS_CERT_FILE": "/nonexistent/cert.pem", "TOKEN_RUNTIME_TLS_KEY_FILE": "/nonexistent/key.pem"])
        #expect(ServerTLS.load(certVariable: "TOKEN_RUNTIME_TLS_CERT_FILE", keyVariable: "TOKEN_RUNTIME_TLS_KEY_FILE", from: &unreadable) == nil)
        #expect(unreadable.errors.map(\.variable) == ["TOKEN_RUNTIME_TLS_CERT_FILE"])
        #expect(throws: ConfigurationErrors.self) {
            try RuntimeConfiguration.load(from: [
                "TOKEN_RUNTIME_ENV": "dev", "TOKEN_RUNTIME_TLS_CERT_FILE": "/nonexistent/cert.pem", "TOKEN_RUNTIME_TLS_KEY_FILE": "/nonexistent/key.pem",
            ])
        }
    }
}
