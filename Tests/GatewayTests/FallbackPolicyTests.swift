import Foundation
import HTTPTypes
import NIOCore
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import Gateway

/// Which answers move a request on, the plan of one request, and the answer when all refused.
@Suite struct FallbackPolicyTests {
    func providers(_ names: [String]) -> [Provider] {
        names.map { Provider(config: ProviderConfig(name: $0, kind: .mock, models: ["m", "other"]), client: MockProviderClient()) }
    }

    @Test func theProvidersOwnConditionsMoveOnAndTheRequestsOwnErrorsPassThrough() {
        let policy = FallbackPolicy()
        #expect(policy.reason(forStatus: 429) == .rateLimited)
        #expect(policy.reason(forStatus: 401) == .credentialsRejected)
        #expect(policy.reason(forStatus: 403) == .credentialsRejected)
        for status in [408, 500, 502, 503, 504, 529, 520] { #expect(policy.reason(forStatus: status) == .serverError, "\(status)") }
        for status in [200, 201, 400, 404, 409, 413, 422] { #expect(policy.reason(forStatus: status) == nil, "\(status)") }
    }

    @Test func statusListsParseAndRefuseWhatIsNotAStatus() throws {
        let parsed = try FallbackPolicy.Statuses.parse(["429", "503", "4XX"]).get()
        #expect(parsed.contains(429) && parsed.contains(503) && parsed.contains(404))
        #expect(!parsed.contains(500))
        for bad in ["abc", "200", "600", "3xx", "5x"] {
            guard case .failure = FallbackPolicy.Statuses.parse([bad]) else {
                Issue.record("\(bad) was accepted")
                continue
            }
        }
    }

    @Test func theEnvironmentSetsTheListAndTheAttemptBound() throws {
        let providers = GatewayHarness.mockProviders()
        let standard = try GatewayHarness.configuration(providers: providers).fallback
        #expect(standard == FallbackPolicy(statuses: .standard, maxAttempts: 3))
        let custom = try GatewayHarness.configuration(
            ["GATEWAY_FALLBACK_STATUSES": "503, 429", "GATEWAY_MAX_ATTEMPTS": "5"], providers: providers
        ).fallback
        #expect(custom.statuses == FallbackPolicy.Statuses(codes: [503, 429]))
        #expect(custom.maxAttempts == 5)
        #expect(custom.reason(forStatus: 401) == nil)
        #expect(custom.reason(forStatus: 500) == nil)
        do {
            _ = try GatewayHarness.configuration(["GATEWAY_FALLBACK_STATUSES": "429,teapot", "GATEWAY_MAX_ATTEMPTS": "0"], providers: providers)
            Issue.record("invalid values were accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("GATEWAY_FALLBACK_STATUSES") && text.contains("teapot"))
            #expect(text.contains("GATEWAY_MAX_ATTEMPTS"))
        }
    }

    @Test func thePlanKeepsTheStrategysOrderLeavesOutCooledProvidersAndStopsAtTheBound() {
        let list = providers(["a", "b", "c", "d"])
        let now = 1_000.0
        #expect(FallbackPolicy().plan(list, model: "m", now: now).attempts.map(\.name) == ["a", "b", "c"])
        #expect(FallbackPolicy(maxAttempts: 1).plan(list, model: "m", now: now).attempts.map(\.name) == ["a"])
        list[0].cooldown.rateLimit(.model("m"), until: now + 5)
        _ = list[2].cooldown.rejectCredentials(status: 401, now: now)
        let plan = FallbackPolicy().plan(list, model: "m", now: now)
        #expect(plan.attempts.map(\.name) == ["b", "d"])
        #expect(plan.skipped.map(\.provider.name) == ["a", "c"])
        #expect(plan.skipped.first?.availability == .rateLimited(until: now + 5))
        // The rate limit was for model m only; the rejected key is for every model.
        #expect(FallbackPolicy().plan(list, model: "other", now: now).attempts.map(\.name) == ["a", "b", "d"])
        // Once the cooldown is over, a is tried again.
        #expect(FallbackPolicy().plan(list, model: "m", now: now + 5).attempts.map(\.name) == ["a", "b", "d"])
    }

    @Test func whenAllRefusedTheAnswerSaysWhy() {
        var limited = ProviderRefusals()
        limited.rateLimited("a", seconds: 7, tried: true)
        limited.rateLimited("b", seconds: 2.2, tried: false)
        let tooMany = limited.error(model: "m", attempts: 1)
        #expect(tooMany.status == .tooManyRequests)
        #expect(tooMany.headers[.retryAfter] == "3")
        #expect(tooMany.code == "rate_limit_exceeded")

        var keys = ProviderRefusals()
        keys.credentialsRejected("a", status: 401, tried: true)
        keys.credentialsRejected("b", status: 403, tried: false)
        let rejected = keys.error(model: "m", attempts: 1)
        #expect(rejected.status == .badGateway)
        #expect(rejected.code == "upstream_credentials_rejected")
        #expect(rejected.message.contains("credentials") && rejected.message.contains("a, b"))

        // Rate limits end by themselves: with rejected keys beside them the client is told to retry.
        keys.rateLimited("c", seconds: 4, tried: true)
        #expect(keys.error(model: "m", attempts: 2).status == .tooManyRequests)

        var mixed = ProviderRefusals()
        mixed.rateLimited("a", seconds: 7, tried: true)
        mixed.failed(.serverError, problem: "b answered 500")
        #expect(mixed.error(model: "m", attempts: 2).status == .badGateway)
        #expect(mixed.error(model: "m", attempts: 2).code == "upstream_error")
        mixed.failed(.timeout, problem: "c timed out")
        #expect(mixed.error(model: "m", attempts: 3).status == .gatewayTimeout)
    }
}

/// Rate limits and rejected keys over time, on an injected clock.
@Suite struct ProviderCooldownTests {
    @Test func aRateLimitEndsAtItsTimeForItsScope() {
        let clock = ManualWallClock(1_000)
        let cooldown = ProviderCooldown()
        cooldown.rateLimit(.model("gpt-4o-mini"), until: clock.now() + 7)
        #expect(cooldown.availability(model: "gpt-4o-mini", now: clock.now()) == .rateLimited(until: 1_007))
        #expect(cooldown.availability(model: "gpt-4o", now: clock.now()) == .available)
        clock.advance(by: 6.9)
        #expect(cooldown.availability(model: "gpt-4o-mini", now: clock.now()) != .available)
        clock.advance(by: 0.1)
        #expect(cooldown.availability(model: "gpt-4o-mini", now: clock.now()) == .available)
        #expect(cooldown.report(now: clock.now()).rateLimits.isEmpty)

        // A shorter limit does not shorten a longer one; a provider-wide one covers every model.
        cooldown.rateLimit(.provider, until: clock.now() + 10)
        cooldown.rateLimit(.provider, until: clock.now() + 2)
        clock.advance(by: 5)
        #expect(cooldown.availability(model: "gpt-4o", now: clock.now()) == .rateLimited(until: 1_017))
        clock.advance(by: 5)
        #expect(cooldown.availability(model: "gpt-4o", now: clock.now()) == .available)
    }

    @Test func aRejectedKeyIsOutUntilRestartAndLoggedOncePerMinute() {
        let clock = ManualWallClock(1_000)
        let cooldown = ProviderCooldown()
        #expect(!cooldown.shouldRemind(now: clock.now()))
        #expect(cooldown.rejectCredentials(status: 401, now: clock.now()))
        #expect(!cooldown.rejectCredentials(status: 401, now: clock.now() + 1))
        #expect(!cooldown.shouldRemind(now: clock.now() + 59))
        clock.advance(by: 3_600)
        #expect(cooldown.availability(model: "m", now: clock.now()) == .out(.init(status: 401, since: 1_000)))
        #expect(cooldown.shouldRemind(now: clock.now()))
        #expect(!cooldown.shouldRemind(now: clock.now() + 30))
        #expect(cooldown.shouldRemind(now: clock.now() + 60))
    }

    @Test func readinessListsProvidersOutAndWhy() {
        let clock = ManualWallClock(1_000)
        let names = ["limited", "revoked", "fine"]
        let list = names.map { Provider(config: ProviderConfig(name: $0, kind: .mock, models: ["m"]), client: MockProviderClient()) }
        let registry = ProviderRegistry(providers: list, strategy: LatencyStrategy(), clock: clock)
        list[0].cooldown.rateLimit(.model("m"), until: clock.now() + 7)
        _ = list[1].cooldown.rejectCredentials(status: 401, now: clock.now())
        #expect(
            registry.providersOut() == [
                ProviderOutEntry(provider: "limited", reason: "rate_limited", model: "m", retryInSeconds: 7),
                ProviderOutEntry(provider: "revoked", reason: "credentials_rejected", status: 401),
            ])
        #expect(registry.cooldownCounts() == [.rateLimited: 1, .credentialsRejected: 1])
        clock.advance(by: 7)
        #expect(registry.providersOut().map(\.provider) == ["revoked"])
    }
}

/// How long and for what a `429` cools a provider down.
@Suite struct RateLimitHintTests {
    func hint(_ headers: HTTPFields, body: String = "", now: Double = 1_000) -> RateLimitHint {
        RateLimitHint.from(headers: headers, body: ByteBuffer(string: body), model: "gpt-4o-mini", now: now)
    }

    @Test func theDurationComesFromTheHeadersOrTheDefault() {
        #expect(hint([.retryAfter: "7"]).seconds == 7)
        #expect(hint([.retryAfter: "7", HTTPField.Name("retry-after-ms")!: "1500"]).seconds == 1.5)
        #expect(hint([HTTPField.Name("x-ratelimit-reset-requests")!: "6m0s"]).seconds == 360)
        #expect(hint([HTTPField.Name("x-ratelimit-reset-requests")!: "20ms"]).seconds == 0.02)
        // An HTTP date 30 s after now.
        #expect(hint([.retryAfter: "Thu, 01 Jan 1970 00:17:10 GMT"], now: 1_000).seconds == 30)
        #expect(hint([:]).seconds == RateLimitHint.defaultCooldown)
        #expect(hint([.retryAfter: "soon"]).seconds == RateLimitHint.defaultCooldown)
        #expect(hint([.retryAfter: "999999"]).seconds == RateLimitHint.maxCooldown)
    }

    @Test func theScopeIsTheModelWhenTheProviderNamesIt() {
        let perModel = #"{"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#
        #expect(hint([:], body: perModel).scope == .model("gpt-4o-mini"))
        let otherModel = perModel.replacingOccurrences(of: "gpt-4o-mini", with: "gpt-4o-mini-2")
        #expect(hint([:], body: otherModel).scope == .provider)
        let quota = #"{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#
        #expect(hint([:], body: quota).scope == .provider)
        #expect(hint([:], body: "Too Many Requests").scope == .provider)
    }
}
