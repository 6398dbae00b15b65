#!/usr/bin/env bash
# Introspection cache micro-benchmark (issue 3): bench/cache-benchmark, a package of its own that
# depends on this repository by path and measures with ordo-one/benchmark (release build, by the
# benchmark plugin, in bench/cache-benchmark/.build; a first build takes several minutes):
#   (a) cache hit incl. SHA-256 of the token, 10,000 entries in shuffled order (target: median < 1 us);
#       SHA-256 alone, lookup alone, one hot entry
#   (b) RemoteTokenRuntime.verify hit path (format check + SHA-256 + cache), introspection calls (0)
#   (c) memory of 10,000 active entries (target < 8 MB), and of the empty cache; its own process
#   (d) 16 tasks hitting the cache, once with taskset -c 0 (1 core), once with -c 0,1 (2 cores)
#   per-request helpers (format check, digest, the runtime's JSON answer vs JSONEncoder, form decoding)
# Prints a markdown section on stdout (progress and the build on stderr). About a minute after the build.
# SKIP_BUILD and SCRATCH (of the other bench scripts) do not apply: the plugin builds this package
# every time (a no-op when nothing changed). Baselines: see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
log() { echo "cache.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

pkg=bench/cache-benchmark
cores=$(nproc)
pin() {  # $1: cpu list ("" = no pinning), then the command
    local cpus=$1
    shift
    if [ -n "$cpus" ] && command -v taskset >/dev/null 2>&1; then taskset -c "$cpus" "$@"; else "$@"; fi
}
# One run of the benchmarks the arguments select, as markdown tables on stdout; the plugin's own
# lines (build, progress) go to stderr.
run() {  # $1: cpu list for taskset ("" = unpinned), then benchmark options
    local cpus=$1 output
    shift
    output=$(pin "$cpus" swift package --package-path "$pkg" benchmark run --format markdown --no-progress --time-units nanoseconds "$@") ||
        { echo "$output" >&2; die "benchmark run failed: $*"; }
    # Keep the tables (from the first heading on); anything before them is the plugin's chatter.
    echo "$output" | awk '/^#/ { on = 1 } on' | grep -v '^Writing to ' || true
    echo "$output" | awk '/^#/ { exit } { print }' >&2
}

log "building and running $pkg (release)"
# --filter/--skip are regular expressions that must match a whole name.
memory=$(run "" --filter '.*memory.*')
timed=$(run "" --skip '.*(memory|tasks).*')
one=$(run 0 --filter '.*tasks.*')
if [ "$cores" -ge 2 ]; then
    two=$(run 0,1 --filter '.*tasks.*')
else
    two=""
    log "only $cores core: no 2-core run"
fi

echo "### Introspection cache micro-benchmark ($(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), release build, $cores cores)"
echo
echo "\`bench/cache-benchmark\` (ordo-one/benchmark): a cache holding 10,000 active entries (subject, client, 2 scopes, exp,"
echo "jti \`tok_\` + 24 hex), hit in shuffled order. Timed rows are per operation, each sample the average of 1,000"
echo "operations (so the percentiles are those of 1,000-operation averages, not of single calls); \`Malloc (total)\`"
echo "is per operation too. Unpinned except the concurrent rows. Targets: (a) median < 1 µs, (c) < 8 MB."
echo "The \`translate:\` rows (issue 15) are per request or per 100-chunk stream, one per sample: a typical chat"
echo "(1.5 KB, a system prompt, three turns, one tool) crossing between Anthropic's Messages API and OpenAI's chat."
echo
echo "#### (a) hits, (b) verify, helpers"
echo
echo "$timed"
echo
echo "#### (c) memory (its own process; \`Malloc / free Δ (bytes)\` = bytes the cache holds, malloc overhead excluded)"
echo
echo "$memory"
echo
echo "#### (d) 16 concurrent tasks, 1,000,000 lookups per sample: \`taskset -c 0\`"
echo
echo "$one"
if [ -n "$two" ]; then
    echo
    echo "#### (d) the same, \`taskset -c 0,1\`"
    echo
    echo "$two"
fi
