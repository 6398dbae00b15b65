#!/usr/bin/env bash
# Introspection cache micro-benchmark (issue 3): builds TokenCacheBenchmark (release, scratch
# .build-release) and runs each mode in its own process:
#   memory      heap/RSS of 10,000 active entries (fresh process, so nothing else blurs the delta)
#   lookup      cache hit incl. SHA-256 of the token, ns per op (target: median < 1 us)
#   verify      RemoteTokenRuntime.verify hit path (format check + SHA-256 + cache)
#   concurrent  16 tasks hitting the cache, once with taskset -c 0 (1 core), once with -c 0,1 (2 cores)
#   hotpaths    per-request helpers (format check, digest, the runtime's JSON answer vs JSONEncoder, form)
# Prints a markdown section on stdout (progress and the raw output on stderr). About 40 s.
# Environment: SCRATCH (.build-release), SKIP_BUILD=1, ITERATIONS (1000000), TASKS (16), PER_TASK (100000).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
SCRATCH=${SCRATCH:-.build-release}
ITERATIONS=${ITERATIONS:-1000000}
TASKS=${TASKS:-16}
PER_TASK=${PER_TASK:-100000}
log() { echo "cache.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }
command -v python3 >/dev/null 2>&1 || die "python3 is required"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building TokenCacheBenchmark (release, $SCRATCH)"
    swift build -c release --scratch-path "$SCRATCH" --product TokenCacheBenchmark >&2 || die "build failed"
fi
bench="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/TokenCacheBenchmark"
[ -x "$bench" ] || die "no binary at $bench"

cores=$(nproc)
pin() {  # $1: cpu list ("" = no pinning), then the command
    local cpus=$1
    shift
    if [ -n "$cpus" ] && command -v taskset >/dev/null 2>&1; then taskset -c "$cpus" "$@"; else "$@"; fi
}
run() {  # prints the RESULT line of one mode; the readable lines go to stderr
    local output
    output=$("$@") || die "benchmark failed: $*"
    echo "$output" | grep -v '^RESULT' >&2
    echo "$output" | grep '^RESULT' || die "no RESULT line from: $*"
}

memory=$(run "$bench" memory 10000)
lookup=$(run "$bench" lookup "$ITERATIONS")
verify=$(run "$bench" verify "$ITERATIONS")
one=$(run pin 0 "$bench" concurrent "$TASKS" "$PER_TASK")
if [ "$cores" -ge 2 ]; then
    two=$(run pin 0,1 "$bench" concurrent "$TASKS" "$PER_TASK")
else
    two=""
    log "only $cores core: no 2-core run"
fi
hot=$(run "$bench" hotpaths "$ITERATIONS")

MEMORY=$memory LOOKUP=$lookup VERIFY=$verify ONE=$one TWO=$two HOT=$hot \
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown) CORES=$cores python3 - <<'PY'
import os, datetime

def parse(line):
    return dict(part.split("=", 1) for part in line.split()[1:]) if line else {}

m, l, v, one, two, h = (parse(os.environ[k]) for k in ("MEMORY", "LOOKUP", "VERIFY", "ONE", "TWO", "HOT"))
ns = lambda d, k: f"{int(d[k]):,} ns"
mib = lambda b: f"{int(b) / 1048576:.2f} MiB"
met = lambda ok: "met" if ok else "missed"
date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")

print(f"### Introspection cache micro-benchmark ({date}, commit {os.environ['COMMIT']}, release build, {os.environ['CORES']} cores)")
print()
print(f"`bench/Sources/TokenCacheBenchmark`: a cache holding 10,000 active entries (subject, client, 2 scopes, exp,")
print(f"jti `tok_` + 24 hex), hit in shuffled order; per-op times are single calls timed with `clock_gettime`")
print(f"(its own cost, median {l['timer_median_ns']} ns, is included). Unpinned except the concurrent rows.")
print()
print("| measure | median | p99 | target |")
print("| --- | --- | --- | --- |")
print(f"| (a) hit: SHA-256 of the token + `lookup` | {ns(l, 'hit_median_ns')} | {ns(l, 'hit_p99_ns')} | median < 1 µs: {met(int(l['hit_median_ns']) < 1000)} |")
print(f"| (a) of which SHA-256 alone (`TokenDigest(token:)`) | {ns(l, 'sha_median_ns')} | {ns(l, 'sha_p99_ns')} | |")
print(f"| (a) of which `lookup` alone (digest ready) | {ns(l, 'lookup_median_ns')} | {ns(l, 'lookup_p99_ns')} | |")
print(f"| (a) `lookup` of one hot entry (all in L1) | {ns(l, 'hot_median_ns')} | {ns(l, 'hot_p99_ns')} | |")
print(f"| (b) `RemoteTokenRuntime.verify` hit (format check + SHA-256 + cache) | {ns(v, 'verify_median_ns')} | {ns(v, 'verify_p99_ns')} | introspection calls: {v['client_calls']} |")
print()
heap = m.get("heap_bytes")
judged = int(heap) if heap else int(m["rss_bytes"])
print("| (c) memory, 10,000 active entries | bytes | per entry | target < 8 MB |")
print("| --- | --- | --- | --- |")
if heap:
    print(f"| heap in use (mallinfo2), cache created and filled | {mib(heap)} | {float(m['bytes_per_entry']):.0f} B | {met(judged < 8_000_000)} |")
    print(f"| of which the empty cache (tables reserved at init) | {mib(m['heap_empty_cache_bytes'])} | | |")
print(f"| RSS delta (/proc/self/statm) | {mib(m['rss_bytes'])} | {int(m['rss_bytes']) / int(m['entries']):.0f} B | {'' if heap else met(judged < 8_000_000)} |")
print()
print(f"| (d) {one['tasks']} concurrent tasks x {int(one['per_task']):,} hits | CPUs | lookups/s (SHA-256 + lookup) | lookups/s (lookup alone) |")
print("| --- | --- | --- | --- |")
for label, d in (("`taskset -c 0`", one), ("`taskset -c 0,1`", two)):
    if d:
        print(f"| {label} | {d['cpus']} | {int(d['lookups_per_s']):,} | {int(d['lookup_only_per_s']):,} |")
print()
print("Per-request helpers as shipped; the runtime's introspection answer written by `IntrospectionJSON` beside")
print("`JSONEncoder` (what it used before; the benchmark checks both give the same bytes):")
print()
print("| helper | median | p99 |")
print("| --- | --- | --- |")
print(f"| `TokenFormat.isWellFormed` | {ns(h, 'format_now_median_ns')} | {ns(h, 'format_now_p99_ns')} |")
print(f"| `TokenDigest(token:)` | {ns(h, 'digest_now_median_ns')} | {ns(h, 'digest_now_p99_ns')} |")
print(f"| introspection answer to JSON ({h['json_bytes']} B), `JSONEncoder` | {ns(h, 'json_encoder_median_ns')} | {ns(h, 'json_encoder_p99_ns')} |")
print(f"| introspection answer to JSON, `IntrospectionJSON` | {ns(h, 'json_writer_median_ns')} | {ns(h, 'json_writer_p99_ns')} |")
print(f"| `FormEncoding.decode` of `token=...` | {ns(h, 'form_now_median_ns')} | {ns(h, 'form_now_p99_ns')} |")
PY
