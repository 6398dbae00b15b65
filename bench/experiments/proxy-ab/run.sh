#!/usr/bin/env bash
# Issue 18's before/after: the gateway of this checkout against an older build (BASE_BIN, a folder
# with its gateway and platform-token-runtime), each in front of a fast upstream (nginx answering a
# canned OpenAI answer or stream from `return`, 1 worker), alternating ROUNDS (3) times, each run on
# new processes: wrk (1 thread, CONNS connections, DURATION after a 2 s warm-up), req/s, p50, p99
# and the gateway's CPU (user + system) per request. PERF=1 also records a perf profile of the last
# run's gateway in $work... (kept at /tmp/proxy-ab.perf.data). Prints one line per run.
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
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
new_bin=$bin
ANSWER='{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"mock-echo","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}'
chunk() { printf 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"mock-echo","choices":[{"index":0,"delta":%s,"finish_reason":%s}]}\n\n' "$1" "$2"; }
STREAM_BODY="$(chunk '{"role":"assistant","content":""}' null)$(chunk '{"content":"hi"}' null)$(chunk '{}' '"stop"')data: [DONE]
"
UPP=$(free_port); UPS=$(free_port)
mkdir -p "$work/up/logs"
cat > "$work/up/nginx.conf" <<NGX
worker_processes 1; pid $work/up/nginx.pid; error_log $work/up/logs/error.log error;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$UPP; location / { default_type application/json; return 200 '$ANSWER'; } }
  server { listen 127.0.0.1:$UPS; location / { default_type text/event-stream; return 200 '$STREAM_BODY
'; } } }
NGX
"$NGINX" -p "$work/up" -c "$work/up/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_ready "http://127.0.0.1:$UPP/"
cat > "$work/providers.json" <<JSON
{"providers":[{"name":"plain","type":"openai","base_url":"http://127.0.0.1:$UPP","models":["mock-echo"],"timeout":"30s"},
 {"name":"stream","type":"openai","base_url":"http://127.0.0.1:$UPS","models":["mock-stream"],"timeout":"30s"}]}
JSON
field() { echo "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }

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
