// The gateway's introspection cache and the per-request helpers around it (issue 3), with
// ordo-one/benchmark. `bash bench/cache.sh` runs them all and prints a markdown section; see
// bench/README.md for each benchmark and how to compare against a saved baseline.
//
// Timed benchmarks do 1,000 operations per sample (scaling factor kilo), so the figures are
// per operation: the percentiles are those of 1,000-operation averages, not of single calls.
// The memory benchmarks keep the filled cache alive past the measured region, so
// `memoryLeakedBytes` is what the cache holds (bytes requested from malloc, without its
// per-chunk overhead).

import Benchmark
import Logging
import Foundation
import Gateway
import ServiceSupport
import TokenProtocol
import TokenRuntime

/// Per-operation timings: 1,000 operations per sample, at most 1,000 samples (1,000,000
/// operations, as the old harness ran) or `maxDuration`.
func timed(
    metrics: [BenchmarkMetric] = [.wallClock, .throughput, .mallocCountTotal], maxDuration: Duration = .seconds(3)
) -> Benchmark.Configuration {
    .init(
        metrics: metrics, timeUnits: .nanoseconds, warmupIterations: 20, scalingFactor: .kilo, maxDuration: maxDuration,
        maxIterations: 1_000)
}

/// Memory of a cache: a few samples, each a fresh cache.
var memoryConfiguration: Benchmark.Configuration {
    .init(
        metrics: [.memoryLeakedBytes, .mallocFreeDelta, .mallocCountTotal, .peakMemoryResidentDelta, .wallClock],
        warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 10)
}

/// Hits from `tasks` concurrent tasks: 1,000,000 lookups per sample (scaling factor mega).
let concurrentTasks = 16
var concurrentConfiguration: Benchmark.Configuration {
    .init(
        metrics: [.wallClock, .throughput, .cpuTotal, .threadsRunning], timeUnits: .milliseconds, warmupIterations: 1,
        scalingFactor: .mega, maxDuration: .seconds(5), maxIterations: 20)
}

enum CacheMetric {
    /// Introspection calls made by `verify` benchmarks: must stay 0 (every verify is a hit).
    static let introspectionCalls = BenchmarkMetric.custom("introspectionCalls", polarity: .prefersSmaller)
    /// Entries in the cache after filling it.
    static let entriesStored = BenchmarkMetric.custom("entriesStored", polarity: .prefersLarger)
}

let benchmarks: @Sendable () -> Void = {
    // MARK: (a) a cache hit incl. SHA-256 of the token, 10,000 entries visited in shuffled order

    let touchFixture: Benchmark.BenchmarkSetupHook = { _ = fixture.cache }

    Benchmark("(a) hit: SHA-256 + lookup", configuration: timed()) { benchmark in
        let (cache, tokens) = (fixture.cache, fixture.tokens)
        var slot = (benchmark.currentIteration &* 1_000) % tokens.count
        var hits = 0
        for _ in benchmark.scaledIterations {
            if isHit(cache.lookup(TokenDigest(token: tokens[slot]))) { hits &+= 1 }
            slot &+= 1
            if slot == tokens.count { slot = 0 }
        }
        if hits != benchmark.scaledIterations.count { benchmark.error("a lookup missed: \(hits) hits") }
    } setup: {
        try await touchFixture()
    }

    Benchmark("(a) SHA-256 alone", configuration: timed()) { benchmark in
        let tokens = fixture.tokens
        var slot = (benchmark.currentIteration &* 1_000) % tokens.count
        for _ in benchmark.scaledIterations {
            blackHole(TokenDigest(token: tokens[slot]).w0)
            slot &+= 1
            if slot == tokens.count { slot = 0 }
        }
    } setup: {
        try await touchFixture()
    }

    Benchmark("(a) lookup alone (digest ready)", configuration: timed()) { benchmark in
        let (cache, digests) = (fixture.cache, fixture.digests)
        var slot = (benchmark.currentIteration &* 1_000) % digests.count
        for _ in benchmark.scaledIterations {
            blackHole(isHit(cache.lookup(digests[slot])))
            slot &+= 1
            if slot == digests.count { slot = 0 }
        }
    } setup: {
        try await touchFixture()
    }

    Benchmark("(a) lookup of one hot entry", configuration: timed()) { benchmark in
        let (cache, digest) = (fixture.cache, fixture.digests[0])
        for _ in benchmark.scaledIterations {
            blackHole(isHit(cache.lookup(digest)))
        }
    } setup: {
        try await touchFixture()
    }

    // MARK: (b) RemoteTokenRuntime.verify on hits: format check + SHA-256 + cache, no network

    Benchmark(
        "(b) RemoteTokenRuntime.verify hit", configuration: timed(metrics: [.wallClock, .throughput, .mallocCountTotal, CacheMetric.introspectionCalls])
    ) { (benchmark: Benchmark) async in
        let (runtime, client, tokens) = (verifyRuntime, verifyClient, fixture.tokens)
        var slot = (benchmark.currentIteration &* 1_000) % tokens.count
        let callsBefore = client.calls.load(ordering: .relaxed)
        for _ in benchmark.scaledIterations {
            blackHole(isHit(await runtime.verify(tokens[slot])))
            slot &+= 1
            if slot == tokens.count { slot = 0 }
        }
        benchmark.stopMeasurement()
        let calls = client.calls.load(ordering: .relaxed) - callsBefore
        benchmark.measurement(CacheMetric.introspectionCalls, calls)
        if calls != 0 { benchmark.error("verify introspected \(calls) times: not every call was a hit") }
    } setup: {
        _ = verifyRuntime
    }

    // MARK: (c) memory for 10,000 active entries

    Benchmark("(c) memory: 10,000 active entries", configuration: .init(memoryConfiguration, adding: CacheMetric.entriesStored)) { benchmark in
        var generator = SplitMix64(state: 0xC0FFEE)
        let now = Int64(SystemWallClock().now())
        // Inputs that are not part of the cache (the tokens' digests) exist before the measurement.
        let digests = (0..<Fixture.entries).map { _ in TokenDigest(token: TokenFormat.generate(using: &generator)) }
        benchmark.startMeasurement()
        let cache = IntrospectionCache(config: Fixture.config, clock: SystemWallClock())
        for (index, digest) in digests.enumerated() {
            cache.store(digest, activeResponse(index: index, now: now, using: &generator))
        }
        benchmark.stopMeasurement()
        let stored = cache.statistics.entries
        benchmark.measurement(CacheMetric.entriesStored, stored)
        if stored != Fixture.entries { benchmark.error("stored \(stored) of \(Fixture.entries) entries") }
        withExtendedLifetime((cache, digests)) {}
    }

    Benchmark("(c) memory: empty cache (tables reserved at init)", configuration: memoryConfiguration) { benchmark in
        benchmark.startMeasurement()
        let cache = IntrospectionCache(config: Fixture.config, clock: SystemWallClock())
        benchmark.stopMeasurement()
        withExtendedLifetime(cache) {}
    }

    // MARK: (d) hits from 16 concurrent tasks (62,500 each)

    for withSHA in [true, false] {
        Benchmark(
            "(d) \(concurrentTasks) tasks: \(withSHA ? "SHA-256 + lookup" : "lookup alone")", configuration: concurrentConfiguration
        ) { (benchmark: Benchmark) async in
            let (cache, tokens, digests) = (fixture.cache, fixture.tokens, fixture.digests)
            let perTask = benchmark.scaledIterations.count / concurrentTasks
            let hits = await withTaskGroup(of: Int.self) { group in
                for task in 0..<concurrentTasks {
                    group.addTask {
                        var hits = 0
                        var slot = (task &* 7_919) % tokens.count
                        for _ in 0..<perTask {
                            let digest = withSHA ? TokenDigest(token: tokens[slot]) : digests[slot]
                            if isHit(cache.lookup(digest)) { hits &+= 1 }
                            slot &+= 1
                            if slot == tokens.count { slot = 0 }
                        }
                        return hits
                    }
                }
                return await group.reduce(0, +)
            }
            if hits != perTask * concurrentTasks { benchmark.error("\(hits) hits of \(perTask * concurrentTasks)") }
        } setup: {
            try await touchFixture()
        }
    }

    // MARK: per-request helpers as shipped

    var generator = SplitMix64(state: 0xF00D)
    let valid = (0..<1_000).map { _ in TokenFormat.generate(using: &generator) }
    let response = activeResponse(index: 7, now: Int64(SystemWallClock().now()), using: &generator)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let form = Array(("token=" + valid[0]).utf8)

    Benchmark("helper: TokenFormat.isWellFormed", configuration: timed()) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(TokenFormat.isWellFormed(valid[index]))
        }
    }

    Benchmark("helper: TokenDigest(token:)", configuration: timed()) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(TokenDigest(token: valid[index]).w1)
        }
    }

    // The runtime's introspection answer by IntrospectionJSON, beside JSONEncoder (what it used
    // before): both must give the same bytes.
    Benchmark("helper: active answer to JSON, JSONEncoder", configuration: timed()) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole((try? encoder.encode(response))?.count ?? 0)
        }
    } setup: {
        let viaEncoder = try [UInt8](encoder.encode(response))
        guard viaEncoder == Array(IntrospectionJSON.encode(response).readableBytesView) else {
            fatalError("IntrospectionJSON disagrees with JSONEncoder")
        }
    }

    Benchmark("helper: active answer to JSON, IntrospectionJSON", configuration: timed()) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(IntrospectionJSON.encode(response).readableBytes)
        }
    }

    Benchmark("helper: FormEncoding.decode(token=...)", configuration: timed()) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole((try? FormEncoding.decode(form))?.count ?? 0)
        }
    }

    // MARK: the budget stage's own cost per request (issue 14): a reservation from the lease held and its settlement

    Benchmark("budget: QuotaLeases reserve + settle, lease held", configuration: timed(maxDuration: .seconds(2))) { benchmark in
        let leases = QuotaLeases(authority: AmpleQuota(), holder: "bench", logger: Logger(label: "bench"))
        _ = try? await leases.reserve("tok", nanoUSD: 1)  // the first call takes the lease
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            if let reservation = try? await leases.reserve("tok", nanoUSD: 16_113) {
                await leases.settle("tok", reservation, cost: 16_002)
            }
        }
        benchmark.stopMeasurement()
    }

    translationBenchmarks()
}

/// A quota authority with money to spare: every call grants what is wanted, for a minute.
struct AmpleQuota: QuotaAuthorityClient {
    func lease(_ request: QuotaLeaseRequest) async throws -> QuotaLeaseGrant {
        QuotaLeaseGrant(
            grantedNanoUSD: request.wantNanoUSD, leaseNanoUSD: request.wantNanoUSD, maxBudgetNanoUSD: .max / 2,
            budgetPeriod: .total, availableNanoUSD: .max / 4, leaseTTLSeconds: 60, windowStart: 0, windowEndsIn: 60)
    }
}

extension Benchmark.Configuration {
    /// `base` measuring `metric` as well.
    init(_ base: Benchmark.Configuration, adding metric: BenchmarkMetric) {
        self = base
        metrics.append(metric)
    }
}
