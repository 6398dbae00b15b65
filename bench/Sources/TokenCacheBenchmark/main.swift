// Introspection cache micro-benchmark (issue 3). See bench/README.md; bench/cache.sh runs every mode.
//
//   TokenCacheBenchmark [all]                      every mode below, in this process
//   TokenCacheBenchmark memory [entries]           (c) heap and RSS used by `entries` active entries (10,000)
//   TokenCacheBenchmark lookup [iterations]        (a) cache hit incl. SHA-256 of the token, ns per op
//   TokenCacheBenchmark verify [iterations]        (b) RemoteTokenRuntime.verify hit path, ns per op
//   TokenCacheBenchmark concurrent [tasks] [lookups-per-task]
//                                                  (d) lookups/s with `tasks` concurrent tasks (16 x 100,000)
//   TokenCacheBenchmark hotpaths [iterations]      per-request helpers the HTTP profile pointed at; the
//                                                  runtime's JSON answer beside JSONEncoder
//
// Every mode prints readable lines and one `RESULT mode=... key=value ...` line for bench/cache.sh.
// Run `memory` in a fresh process (bench/cache.sh does): other modes' garbage would blur the delta.

import CoreMetrics
import Foundation
import ServiceSupport
import Gateway
import Logging
import Prometheus
import Synchronization
import TokenProtocol
import TokenRuntime

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - measuring

@inline(__always)
func monotonicNanos() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
}

/// Median, p90, p99, p99.9 and mean of per-operation samples (nanoseconds).
struct Percentiles: CustomStringConvertible {
    let count: Int
    let median: UInt64
    let p90: UInt64
    let p99: UInt64
    let p999: UInt64
    let mean: Double

    init(_ unsorted: [UInt64]) {
        let samples = unsorted.sorted()
        count = samples.count
        func at(_ fraction: Double) -> UInt64 {
            samples[min(samples.count - 1, Int((Double(samples.count) * fraction).rounded(.down)))]
        }
        median = at(0.5)
        p90 = at(0.9)
        p99 = at(0.99)
        p999 = at(0.999)
        mean = Double(samples.reduce(0, &+)) / Double(max(1, samples.count))
    }

    var description: String {
        "median \(median) ns, p90 \(p90) ns, p99 \(p99) ns, p99.9 \(p999) ns, mean \(String(format1: mean)) ns (\(count) ops)"
    }

    func fields(_ prefix: String) -> String {
        "\(prefix)_median_ns=\(median) \(prefix)_p90_ns=\(p90) \(prefix)_p99_ns=\(p99) \(prefix)_p999_ns=\(p999) \(prefix)_mean_ns=\(String(format1: mean))"
    }
}

extension String {
    /// One decimal, without Foundation.
    init(format1 value: Double) {
        let tenths = Int64((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}

/// Cost of the two clock reads around an empty body: subtract it mentally from tiny timings.
func timerOverhead() -> Percentiles {
    var samples = [UInt64]()
    samples.reserveCapacity(200_000)
    for _ in 0..<200_000 {
        let start = monotonicNanos()
        let end = monotonicNanos()
        samples.append(end &- start)
    }
    return Percentiles(samples)
}

/// Times each of `bodies` once per call, `iterations` calls each, interleaved in `rounds` rounds
/// (A B C A B C ...) so that a slower stretch of a shared machine hits every variant alike; a
/// warm-up of up to 100,000 calls each comes first. Returns per-call percentiles per body, in order;
/// `sink` keeps the results observable so nothing is optimized away.
func sample(_ iterations: Int, rounds: Int = 5, sink: inout Int, _ bodies: [(Int) -> Int]) -> [Percentiles] {
    for body in bodies {
        for index in 0..<min(iterations, 100_000) { sink &+= body(index) }
    }
    var samples = [[UInt64]](repeating: [], count: bodies.count)
    for which in samples.indices { samples[which].reserveCapacity(iterations) }
    let perRound = (iterations + rounds - 1) / rounds
    var done = 0
    while done < iterations {
        let upTo = min(iterations, done + perRound)
        for (which, body) in bodies.enumerated() {
            for index in done..<upTo {
                let start = monotonicNanos()
                let value = body(index)
                let end = monotonicNanos()
                samples[which].append(end &- start)
                sink &+= value
            }
        }
        done = upTo
    }
    return samples.map(Percentiles.init)
}

/// Heap in use (glibc `mallinfo2`: small-block bytes in use + mmapped blocks; nil where unavailable)
/// and resident set size (/proc/self/statm).
struct MemorySnapshot {
    let heapBytes: Int?
    let rssBytes: Int

    static func take() -> MemorySnapshot {
        MemorySnapshot(heapBytes: Mallinfo2.heapInUse(), rssBytes: residentBytes())
    }

    /// Second field of /proc/self/statm (resident pages) times the page size; 0 when unreadable.
    static func residentBytes() -> Int {
        guard let fields = readFirstLine("/proc/self/statm")?.split(separator: " "), fields.count > 1,
            let pages = Int(fields[1])
        else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// glibc's `mallinfo2()`, which the Glibc module does not import (malloc.h is not in its module map).
/// Found with dlsym and called through the x86-64 SysV convention for a returned struct larger than
/// 16 bytes: the caller passes the result's address as a hidden first argument (and gets it back),
/// so `struct mallinfo2 f(void)` can be called as `void *f(void *result)`. Other ABIs differ
/// (aarch64 uses x8), so there it reports nil and only RSS is used.
enum Mallinfo2 {
    typealias Function = @convention(c) (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer?

    static func heapInUse() -> Int? {
        #if os(Linux) && arch(x86_64)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallinfo2") else { return nil }
            let function = unsafeBitCast(symbol, to: Function.self)
            // struct mallinfo2 { size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost; }
            var fields = [Int](repeating: 0, count: 10)
            fields.withUnsafeMutableBytes { _ = function($0.baseAddress!) }
            return fields[7] + fields[4]  // uordblks + hblkhd
        #else
            return nil
        #endif
    }
}

func readFirstLine(_ path: String, matching prefix: String? = nil) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 4096)
    while fgets(&buffer, Int32(buffer.count), file) != nil {
        let line = String(decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if let prefix, !line.hasPrefix(prefix) { continue }
        return line
    }
    return nil
}

func mebibytes(_ bytes: Int) -> String { String(format1: Double(bytes) / 1_048_576) + " MiB" }

/// CPUs this process may run on (what taskset set): `Cpus_allowed_list` of /proc/self/status.
func allowedCPUs() -> Int {
    guard let line = readFirstLine("/proc/self/status", matching: "Cpus_allowed_list:") else {
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
    var count = 0
    for range in line.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
        let bounds = range.split(separator: "-").compactMap { Int($0.filter { $0 != " " && $0 != "\t" }) }
        if bounds.count == 2 { count += bounds[1] - bounds[0] + 1 } else if bounds.count == 1 { count += 1 }
    }
    return max(1, count)
}

// MARK: - realistic data

/// Deterministic generator so runs compare (the token format only needs uniform bytes).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func hex24<G: RandomNumberGenerator>(using generator: inout G) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(24)
    for _ in 0..<24 { out.append(digits[Int(generator.next() & 0xF)]) }
    return String(decoding: out, as: UTF8.self)
}

/// What platform-token-runtime answers for an active token: subject, client, two scopes, exp, iat,
/// jti `tok_` + 24 hex. Built fresh per entry (as JSON decoding would), so the cache owns its strings.
func activeResponse<G: RandomNumberGenerator>(index: Int, now: Int64, using generator: inout G) -> IntrospectionResponse {
    let subject = "user-\(100_000 + index)@tenant-\(index % 97).example.com"
    return IntrospectionResponse(
        active: true, scope: "chat embeddings", clientID: "team-\(index % 50)", username: subject, sub: subject,
        tokenType: "Bearer", exp: now + 86_400, iat: now - 60, nbf: now - 60, iss: "platform-token-runtime",
        jti: "tok_" + hex24(using: &generator), status: .active)
}

/// A cache holding `count` active entries, the tokens behind them, and a shuffled visiting order.
struct Fixture {
    let cache: IntrospectionCache
    let tokens: [String]
    let order: [Int]

    /// The active TTL is 10 minutes here (default 30 s) only so that no entry expires during a run.
    static let config = TokenCacheConfig(activeTTL: .seconds(600))

    static func make(count: Int) -> Fixture {
        var generator = SplitMix64(state: 0x5EED)
        let cache = IntrospectionCache(config: config, clock: SystemWallClock())
        let now = Int64(SystemWallClock().now())
        var tokens = [String]()
        tokens.reserveCapacity(count)
        for index in 0..<count {
            let token = TokenFormat.generate(using: &generator)
            tokens.append(token)
            cache.store(TokenDigest(token: token), activeResponse(index: index, now: now, using: &generator))
        }
        return Fixture(cache: cache, tokens: tokens, order: Array(0..<count).shuffled(using: &generator))
    }
}

// MARK: - the verify path's collaborators

/// Never called on a hit; counts calls so the report can prove it.
final class CountingIntrospectionClient: IntrospectionClient {
    let calls = Atomic<Int>(0)
    func introspect(_ token: String) async throws -> IntrospectionResponse {
        calls.add(1, ordering: .relaxed)
        return .inactive(.unknown)
    }
}

// MARK: - modes

enum Benchmark {
    static let entries = 10_000

    /// (c) Heap and RSS before creating the cache and after filling it with `count` active entries.
    static func memory(count: Int) -> String {
        var generator = SplitMix64(state: 0xC0FFEE)
        let now = Int64(SystemWallClock().now())
        // Inputs that are not part of the cache (the tokens' digests) exist before the baseline.
        let digests = (0..<count).map { _ in TokenDigest(token: TokenFormat.generate(using: &generator)) }
        let before = MemorySnapshot.take()
        let cache = IntrospectionCache(config: TokenCacheConfig(activeTTL: .seconds(600)), clock: SystemWallClock())
        let empty = MemorySnapshot.take()
        for (index, digest) in digests.enumerated() {
            cache.store(digest, activeResponse(index: index, now: now, using: &generator))
        }
        let after = MemorySnapshot.take()
        let stored = cache.statistics.entries
        withExtendedLifetime((cache, digests)) {}
        let rssTotal = after.rssBytes - before.rssBytes
        print("(c) memory for \(count) active entries (\(stored) stored; subject, client, 2 scopes, exp, jti tok_ + 24 hex)")
        var fields = "RESULT mode=memory entries=\(count) stored=\(stored) rss_bytes=\(rssTotal)"
        var judged = rssTotal
        if let heapBefore = before.heapBytes, let heapEmpty = empty.heapBytes, let heapAfter = after.heapBytes {
            let heapTotal = heapAfter - heapBefore
            let perEntry = Double(heapTotal) / Double(max(1, count))
            judged = heapTotal
            print(
                "    heap (mallinfo2) : \(mebibytes(heapTotal)) = empty cache with its reserved tables \(mebibytes(heapEmpty - heapBefore)) + entries \(mebibytes(heapAfter - heapEmpty)); \(String(format1: perEntry)) bytes/entry"
            )
            fields +=
                " heap_bytes=\(heapTotal) heap_empty_cache_bytes=\(heapEmpty - heapBefore) heap_entries_bytes=\(heapAfter - heapEmpty) bytes_per_entry=\(String(format1: perEntry))"
        } else {
            print("    heap (mallinfo2) : not available on this platform; judging by RSS")
        }
        print("    RSS (statm)      : \(mebibytes(rssTotal)) delta (\(mebibytes(before.rssBytes)) -> \(mebibytes(after.rssBytes)))")
        print("    target < 8 MB    : \(judged < 8_000_000 ? "met" : "missed") (judged on \(before.heapBytes == nil ? "RSS" : "heap"), 8 MB = 8,000,000 bytes)")
        return fields
    }

    /// (a) A hit: SHA-256 of the token, then `lookup`. Also each half alone, and the same token over
    /// and over (everything in L1), to show how much of a hit is waiting on memory.
    static func lookup(iterations: Int) -> String {
        let fixture = Fixture.make(count: entries)
        let cache = fixture.cache
        let tokens = fixture.order.map { fixture.tokens[$0] }
        let digests = tokens.map { TokenDigest(token: $0) }
        let count = tokens.count
        var sink = 0
        func hit(_ verdict: TokenVerdict?) -> Int {
            if case .active? = verdict { return 1 }
            return 0
        }

        let overhead = timerOverhead()
        let results = sample(
            iterations, sink: &sink,
            [
                { hit(cache.lookup(TokenDigest(token: tokens[$0 % count]))) },
                { Int(truncatingIfNeeded: TokenDigest(token: tokens[$0 % count]).w0 & 1) },
                { hit(cache.lookup(digests[$0 % count])) },
                { _ in hit(cache.lookup(digests[0])) },
            ])
        let (full, shaOnly, lookupOnly, hot) = (results[0], results[1], results[2], results[3])
        let statistics = cache.statistics
        print("(a) cache hit incl. SHA-256, \(entries) entries, \(iterations) lookups in shuffled order")
        print("    SHA-256 + lookup : \(full)")
        print("    SHA-256 alone    : \(shaOnly)")
        print("    lookup alone     : \(lookupOnly)")
        print("    lookup, 1 token  : \(hot)")
        print("    timer overhead   : median \(overhead.median) ns (included in every figure above)")
        print("    hit rate \(String(format1: statistics.hitRate * 100))%, target median < 1 us: \(full.median < 1_000 ? "met" : "missed")  [\(sink)]")
        return
            "RESULT mode=lookup entries=\(entries) iterations=\(iterations) \(full.fields("hit")) \(shaOnly.fields("sha")) \(lookupOnly.fields("lookup")) \(hot.fields("hot")) timer_median_ns=\(overhead.median) hit_rate=\(statistics.hitRate)"
    }

    /// (b) `RemoteTokenRuntime.verify` on hits: format check + SHA-256 + cache, no network.
    static func verify(iterations: Int) async -> String {
        let fixture = Fixture.make(count: entries)
        let client = CountingIntrospectionClient()
        let runtime = RemoteTokenRuntime(
            client: client, cache: fixture.cache,
            metrics: TokenCacheMetrics(factory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())),
            logger: Logger(label: "bench"))
        let tokens = fixture.order.map { fixture.tokens[$0] }
        var active = 0
        for index in 0..<min(iterations, 100_000) {
            if case .active = await runtime.verify(tokens[index % tokens.count]) { active &+= 1 }
        }
        var samples = [UInt64](repeating: 0, count: iterations)
        for index in 0..<iterations {
            let token = tokens[index % tokens.count]
            let start = monotonicNanos()
            let verdict = await runtime.verify(token)
            let end = monotonicNanos()
            samples[index] = end &- start
            if case .active = verdict { active &+= 1 }
        }
        let result = Percentiles(samples)
        let wellFormed = tokens.allSatisfy { TokenFormat.isWellFormed($0) }
        print("(b) RemoteTokenRuntime.verify hit path (format check + SHA-256 + cache), \(iterations) calls")
        print("    verify           : \(result)")
        print("    introspection calls: \(client.calls.load(ordering: .relaxed)) (must be 0), all well-formed: \(wellFormed), active verdicts \(active)")
        return "RESULT mode=verify entries=\(entries) iterations=\(iterations) \(result.fields("verify")) client_calls=\(client.calls.load(ordering: .relaxed))"
    }

    /// (d) `tasks` tasks in a task group, each doing `perTask` hits (SHA-256 + lookup), wall-clock rate.
    static func concurrent(tasks: Int, perTask: Int) async -> String {
        let fixture = Fixture.make(count: entries)
        let cache = fixture.cache
        let tokens = fixture.order.map { fixture.tokens[$0] }
        let digests = tokens.map { TokenDigest(token: $0) }

        func measure(withSHA: Bool) async -> (seconds: Double, hits: Int) {
            let start = monotonicNanos()
            let hits = await withTaskGroup(of: Int.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        var hits = 0
                        var slot = (task * 7_919) % tokens.count
                        for _ in 0..<perTask {
                            let digest = withSHA ? TokenDigest(token: tokens[slot]) : digests[slot]
                            if case .active? = cache.lookup(digest) { hits &+= 1 }
                            slot += 1
                            if slot == tokens.count { slot = 0 }
                        }
                        return hits
                    }
                }
                return await group.reduce(0, +)
            }
            return (Double(monotonicNanos() - start) / 1e9, hits)
        }

        _ = await measure(withSHA: true)  // warm-up: threads started, pages touched
        let full = await measure(withSHA: true)
        let bare = await measure(withSHA: false)
        let total = tasks * perTask
        let fullRate = Double(total) / full.seconds
        let bareRate = Double(total) / bare.seconds
        let cpus = allowedCPUs()
        print("(d) \(tasks) concurrent tasks x \(perTask) hits, \(cpus) CPU(s) allowed")
        print("    SHA-256 + lookup : \(Int(fullRate.rounded())) lookups/s (\(String(format1: full.seconds * 1000)) ms, \(full.hits) hits)")
        print("    lookup alone     : \(Int(bareRate.rounded())) lookups/s (\(String(format1: bare.seconds * 1000)) ms, \(bare.hits) hits)")
        return
            "RESULT mode=concurrent cpus=\(cpus) tasks=\(tasks) per_task=\(perTask) lookups_per_s=\(Int(fullRate.rounded())) lookup_only_per_s=\(Int(bareRate.rounded())) hits=\(full.hits) total=\(total)"
    }

    /// Helpers on the runtime's and the gateway's per-request path, as shipped; the runtime's
    /// introspection answer by `IntrospectionJSON` beside `JSONEncoder`, checked to give the same bytes.
    static func hotpaths(iterations: Int) -> String {
        var generator = SplitMix64(state: 0xF00D)
        let valid = (0..<1_000).map { _ in TokenFormat.generate(using: &generator) }
        let now = Int64(SystemWallClock().now())
        let response = activeResponse(index: 7, now: now, using: &generator)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let viaEncoder = (try? encoder.encode(response)).map { [UInt8]($0) } ?? []
        guard viaEncoder == Array(IntrospectionJSON.encode(response).readableBytesView) else {
            fatalError("IntrospectionJSON disagrees with JSONEncoder")
        }
        let form = Array(("token=" + valid[0]).utf8)

        let count = valid.count
        var sink = 0
        let format = sample(
            iterations, sink: &sink,
            [
                { TokenFormat.isWellFormed(valid[$0 % count]) ? 1 : 0 },
                { Int(truncatingIfNeeded: TokenDigest(token: valid[$0 % count]).w1) },
            ])
        let (formatNow, digestNow) = (format[0], format[1])
        let jsonIterations = max(1, iterations / 10)
        let perRequest = sample(
            jsonIterations, sink: &sink,
            [
                { _ in (try? encoder.encode(response))?.count ?? 0 },
                { _ in IntrospectionJSON.encode(response).readableBytes },
                { _ in (try? FormEncoding.decode(form))?.count ?? 0 },
            ])
        let (jsonEncoder, jsonWriter, formNow) = (perRequest[0], perRequest[1], perRequest[2])
        print("hot paths, \(iterations) calls each (JSON and form: \(jsonIterations))")
        print("    TokenFormat.isWellFormed       : \(formatNow)")
        print("    TokenDigest(token:)            : \(digestNow)")
        print("    active answer to JSON (\(viaEncoder.count) B), JSONEncoder      : \(jsonEncoder)")
        print("    active answer to JSON, IntrospectionJSON (the runtime's): \(jsonWriter)")
        print("    FormEncoding.decode(token=...) : \(formNow)  [\(sink)]")
        return
            "RESULT mode=hotpaths iterations=\(iterations) \(formatNow.fields("format_now")) \(digestNow.fields("digest_now")) \(jsonEncoder.fields("json_encoder")) \(jsonWriter.fields("json_writer")) \(formNow.fields("form_now")) json_bytes=\(viaEncoder.count)"
    }

    static func main(_ arguments: [String]) async -> Int32 {
        let mode = arguments.first ?? "all"
        func number(_ position: Int, _ fallback: Int) -> Int? {
            guard arguments.count > position else { return fallback }
            guard let value = Int(arguments[position]), value > 0 else { return nil }
            return value
        }
        switch mode {
        case "memory":
            guard let count = number(1, entries) else { break }
            print(memory(count: count))
            return 0
        case "lookup":
            guard let iterations = number(1, 1_000_000) else { break }
            print(lookup(iterations: iterations))
            return 0
        case "verify":
            guard let iterations = number(1, 1_000_000) else { break }
            print(await verify(iterations: iterations))
            return 0
        case "concurrent":
            guard let tasks = number(1, 16), let perTask = number(2, 100_000) else { break }
            print(await concurrent(tasks: tasks, perTask: perTask))
            return 0
        case "hotpaths":
            guard let iterations = number(1, 1_000_000) else { break }
            print(hotpaths(iterations: iterations))
            return 0
        case "all":
            print(memory(count: entries))
            print(lookup(iterations: 1_000_000))
            print(await verify(iterations: 1_000_000))
            print(await concurrent(tasks: 16, perTask: 100_000))
            print(hotpaths(iterations: 1_000_000))
            return 0
        default:
            break
        }
        let usage =
            "usage: TokenCacheBenchmark [all | memory [entries] | lookup [iterations] | verify [iterations] | concurrent [tasks] [lookups-per-task] | hotpaths [iterations]]\n"
        _ = usage.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        return 64
    }
}

// The loops run off the main actor, on the global executor, so awaiting the nonisolated
// `verify` costs no executor hop per call.
let arguments = Array(CommandLine.arguments.dropFirst())
let status = await Task.detached { await Benchmark.main(arguments) }.value
exit(status)
