#!/usr/bin/env bash
# Issue 18's before/after: the gateway of this checkout against an older build (BASE_BIN, a folder
# with its gateway and platform-token-runtime), each in front of the fast upstream of
# bench/proxy-fast.sh (`start_fast_upstream`: nginx answering the mock's canned answer or stream), alternating ROUNDS (3) times, each run on
# new processes: wrk (1 thread, CONNS connections, DURATION after a 2 s warm-up), req/s, p50, p99
# and the gateway's CPU (user + system) per request. PERF=1 also records a perf profile of the last
# run's gateway (kept at /tmp/proxy-ab.perf.data). Prints one line per run.
# Env: BASE_BIN (required), CONNS (16), DURATION (6s), ROUNDS (3), KINDS ("plain stream"), SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/../../.."
CONNS=${CONNS:-16}
DURATION=${DURATION:-6s}
ROUNDS=${ROUNDS:-3}
KINDS=${KINDS:-plain stream}
: "${BASE_BIN:?BASE_BIN=<folder with an older release build>}"
log() { echo "proxy-ab: $*" >&2; }
source bench/lib.sh
need wrk:wrk nginx:nginx-light
new_bin=$bin
start_fast_upstream
cat > "$work/providers.json" <<JSON
{"providers":[{"name":"plain","type":"openai","base_url":"http://127.0.0.1:$UPP","models":["mock-echo"],"timeout":"30s"},
 {"name":"stream","type":"openai","base_url":"http://127.0.0.1:$UPS","models":["mock-stream"],"timeout":"30s"}]}
JSON

one() {  # build(base|new) kind(plain|stream)
    local model=mock-echo stream=false
    [ "$2" = stream ] && model=mock-stream stream=true
    bin=$new_bin
    [ "$1" = base ] && bin=$BASE_BIN
    local keep=("${pids[@]}")
    start_runtime
    start_gateway
    issue_token
    BENCH_TOKEN=$TOKEN BENCH_MODEL=$model BENCH_STREAM=$stream wrk -t1 -c"$CONNS" -d2s -s bench/chat.lua \
        "http://127.0.0.1:$GW/v1/chat/completions" >/dev/null 2>&1 || true
    local c0 c1 line perf_pid=""
    if [ "${PERF:-0}" = 1 ]; then perf record -F 2999 -g -p "$GATEWAY_PID" -o /tmp/proxy-ab.perf.data >/dev/null 2>&1 & perf_pid=$!; fi
    c0=$(cpu_ticks "$GATEWAY_PID")
    line=$(BENCH_TOKEN=$TOKEN BENCH_MODEL=$model BENCH_STREAM=$stream wrk -t1 -c"$CONNS" -d"$DURATION" --latency \
        -s bench/chat.lua "http://127.0.0.1:$GW/v1/chat/completions" 2>&1 | grep '^RESULT')
    c1=$(cpu_ticks "$GATEWAY_PID")
    [ -n "$perf_pid" ] && { kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true; }
    for pid in "${pids[@]:${#keep[@]}}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    pids=("${keep[@]}")
    echo "$1 $2 conns=$CONNS rps=$(field "$line" rps) p50_us=$(field "$line" p50_us) p99_us=$(field "$line" p99_us)" \
        "errors=$(( $(field "$line" errors) + $(field "$line" non2xx) ))" \
        "cpu_us=$(python3 -c "print(round(($c1 - $c0) * 1e6 / $(getconf CLK_TCK) / max(1, $(field "$line" requests)), 1))")"
}

for round in $(seq 1 "$ROUNDS"); do
    for kind in $KINDS; do
        for build in base new; do
            log "round $round: $build $kind"
            one "$build" "$kind"
        done
    done
done
