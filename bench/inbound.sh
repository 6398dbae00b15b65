#!/usr/bin/env bash
# Inbound stages (issue 18): `GET /healthz` on the gateway (its outermost stage, GatewayMiddleware:
# request id, metrics, CORS, trusted proxies) against the token runtime's `/healthz` (the same
# framework and server, one lighter middleware). Each server runs alone, pinned to core 0 with wrk
# on the other core (1 thread, CONNS (32) connections, DURATION (10s)); the servers alternate
# ROUNDS (3) times, each on a new process, and medians are compared. CPU per request is the
# server's user+system time over the run divided by its requests (steadier than req/s on a shared
# machine). BEFORE: a folder with an older gateway binary to measure in the same run ("gateway
# before" rows), for before/after comparisons.
# Prints a markdown section. Env: DURATION, CONNS, ROUNDS, BEFORE, SCRATCH, SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
ROUNDS=${ROUNDS:-3}
BEFORE=${BEFORE:-}
log() { echo "inbound.sh: $*" >&2; }
source bench/lib.sh
need wrk:wrk

# Pinning as a command prefix (not a function, so that $! is the server's pid).
server_cpu=() client_cpu=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then server_cpu=(taskset -c 0) client_cpu=(taskset -c 1); fi
hz=$(getconf CLK_TCK)
# server (gateway|before|runtime) -> "cpu_us_per_request requests rps p50_us p99_us"
measure() {
    local port pid
    port=$(free_port)
    case "$1" in
        runtime)
            "${server_cpu[@]}" env TOKEN_RUNTIME_ENV=dev TOKEN_RUNTIME_ADMIN_KEY=$ADMIN TOKEN_RUNTIME_INTROSPECTION_SECRET=$SECRET \
                TOKEN_RUNTIME_PORT=$port TOKEN_RUNTIME_LOG_LEVEL=error "$bin/platform-token-runtime" serve >/dev/null 2>&1 &
            ;;
        gateway | before)
            local exe="$bin/gateway"
            [ "$1" = before ] && exe="$BEFORE/gateway"
            "${server_cpu[@]}" env GATEWAY_ENV=dev GATEWAY_HOST=127.0.0.1 GATEWAY_PORT=$port GATEWAY_TOKEN_RUNTIME_URL="http://127.0.0.1:$RT" \
                GATEWAY_TOKEN_RUNTIME_SECRET=$SECRET GATEWAY_PROVIDERS_FILE="$work/providers.json" GATEWAY_LOG_LEVEL=error \
                "$exe" serve >/dev/null 2>&1 &
            ;;
    esac
    pid=$!
    wait_ready "http://127.0.0.1:$port/healthz"
    "${client_cpu[@]}" wrk -t1 -c"$CONNS" -d2s -s bench/healthz.lua "http://127.0.0.1:$port/healthz" >/dev/null 2>&1
    local c0 c1 out
    c0=$(cpu_ticks "$pid")
    out=$("${client_cpu[@]}" wrk -t1 -c"$CONNS" -d"$DURATION" -s bench/healthz.lua "http://127.0.0.1:$port/healthz" 2>&1 | grep '^RESULT')
    c1=$(cpu_ticks "$pid")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    local requests non2xx
    requests=$(field "$out" requests)
    non2xx=$(field "$out" non2xx)
    [ "$non2xx" = 0 ] || log "$1: $non2xx non-2xx answers"
    echo "$(python3 -c "print(round(($c1 - $c0) * 1e6 / $hz / max(1, $requests), 1))") $requests $(field "$out" rps) $(field "$out" p50_us) $(field "$out" p99_us)"
}

# The gateway needs a token runtime to be ready; it is not measured (health checks do not call it).
start_runtime
write_providers "$(free_port)"
servers="gateway runtime"
[ -n "$BEFORE" ] && servers="before gateway runtime"
runs=()
for round in $(seq 1 "$ROUNDS"); do
    for server in $servers; do
        log "round $round: $server"
        runs+=("$server $(measure "$server")")
    done
done
median() { printf '%s\n' "${runs[@]}" | awk -v k="$1" -v c="$2" '$1 == k {print $c}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
label() { case "$1" in before) echo "gateway (before, \`$BEFORE\`)" ;; *) echo "$1" ;; esac; }
row() { local a=($1); printf '| %s | %s | %.0f | %s µs | %s µs | %s µs |\n' "$(label "${a[0]}")" "${a[2]}" "${a[3]}" "${a[4]}" "${a[5]}" "${a[1]}"; }
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
gw_cpu=$(median gateway 2); rt_cpu=$(median runtime 2); gw_rps=$(median gateway 4); rt_rps=$(median runtime 4)
case "$bin" in *debug*) kind="debug builds" ;; *) kind="release builds" ;; esac
cat <<MD
### Inbound stages: gateway \`/healthz\` against the runtime's ($(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), $kind, $(nproc) cores)

Each server alone, pinned to core 0, wrk on core 1 (1 thread, $CONNS connections, $DURATION after a 2 s warm-up); the
servers alternate $ROUNDS times, each run on a new process. CPU is the server's user+system time over the run, per request.

| server | requests | req/s | p50 | p99 | server CPU per request |
| --- | --- | --- | --- | --- | --- |
$(for r in "${runs[@]}"; do row "$r"; done)

Medians: gateway $gw_rps req/s, $gw_cpu µs per request; runtime $rt_rps req/s, $rt_cpu µs per request. Gateway / runtime:
$(ratio "$gw_rps" "$rt_rps")x the req/s, $(python3 -c "print('%+.1f' % ($gw_cpu - $rt_cpu))") µs of CPU per request.$( [ -n "$BEFORE" ] && echo " Before: $(median before 4) req/s ($(ratio "$(median before 4)" "$rt_rps")x), $(median before 2) µs per request.")
MD
