#!/usr/bin/env bash
# The auth-path benchmarks: token runtime introspection throughput (issue 2, bench/introspect.sh)
# and the gateway's introspection cache (issue 3, bench/cache.sh), written to bench/RESULTS.md with
# the commit, the date, the machine and what was pinned. About 1.5 minutes after the builds.
#   bash bench/run-auth.sh
#   TAKEOVER=1 bash bench/run-auth.sh     # also the executor experiment (a first build takes ~15 min)
#   OUT=/tmp/auth.md bash bench/run-auth.sh
# Before measuring it waits (up to QUIET_TIMEOUT s, default 600) for the machine to be idle: a build
# or test run next to a load test halves its figures. Past the timeout it measures anyway and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
export SCRATCH=${SCRATCH:-.build-release}
OUT=${OUT:-bench/RESULTS.md}
QUIET_TIMEOUT=${QUIET_TIMEOUT:-600}
log() { echo "run-auth.sh: $*" >&2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building platform-token-runtime (release, $SCRATCH) and bench/cache-benchmark (release)"
    swift build -c release --scratch-path "$SCRATCH" --product platform-token-runtime >&2
    # The cache benchmark is a package of its own; its plugin builds it again in bench/cache.sh (a no-op then).
    swift package --package-path bench/cache-benchmark benchmark list >&2
fi
export SKIP_BUILD=1

# Busy share of all CPUs over 2 s, from /proc/stat (percent).
busy_percent() {
    local a b
    a=($(head -1 /proc/stat))
    sleep 2
    b=($(head -1 /proc/stat))
    local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
    echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
quiet_note="the machine was idle (< 10% CPU busy over 2 s) when measuring started"
waited=0
while true; do
    busy=$(busy_percent)
    [ "$busy" -lt 10 ] && break
    if [ "$waited" -ge "$QUIET_TIMEOUT" ]; then
        quiet_note="**the machine was not idle** ($busy% CPU busy before measuring, after waiting ${waited} s): figures are low"
        log "still $busy% busy after ${waited} s: measuring anyway"
        break
    fi
    log "machine $busy% busy (another build or test?): waiting for it to go idle"
    sleep 8
    waited=$((waited + 10))
done

out=$(mktemp)
trap 'rm -f "$out"' EXIT
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -v ' bench/' | wc -l || true)
{
    echo "# Benchmark results: auth path"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at commit $(git rev-parse --short HEAD)$([ "$dirty" -gt 0 ] && echo " (plus $dirty uncommitted changes outside bench/)") by \`bash bench/run-auth.sh\`."
    echo
    echo "- Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')$(grep -q hypervisor /proc/cpuinfo && echo ' (virtual machine)'), $(free -g | awk '/Mem:/ {print $2}') GiB, Linux $(uname -r), $(swift --version 2>/dev/null | grep -o 'Swift version [0-9.]*' | head -1), release builds."
    echo "- Load: $quiet_note."
    echo "- Pinning: introspection rows say it per row (\`pinned\`: server \`taskset -c 0\`, wrk \`taskset -c 1\`;"
    echo "  \`unpinned\`: neither). Cache: only the concurrent rows are pinned (\`taskset -c 0\`, \`taskset -c 0,1\`)."
    echo "- Where the time goes, and what each performance change did: bench/HISTORY.md."
    echo
    bash bench/introspect.sh
    echo
    bash bench/cache.sh
    if [ "${TAKEOVER:-0}" = 1 ]; then
        echo
        bash bench/experiments/executor-takeover/run.sh
    fi
} >"$out"
mv "$out" "$OUT"
trap - EXIT
log "wrote $OUT"
