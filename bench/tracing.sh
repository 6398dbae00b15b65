#!/usr/bin/env bash
# Traces (issue 17): gateway CPU per request with tracing off, on with 1% sampled, on with 100% sampled.
# One token runtime (memory store), the mock upstream (--canned), one gateway at a time driven by wrk
# (1 thread, CONNS (32) connections, DURATION (10s)) with one warmed token (cache hits), plain or
# streamed chat completions (STREAM, false). The collector is a minimal OTLP/HTTP sink (Python,
# answering 200 to every export without decoding it); its CPU is not counted. The batch processor
# is set to keep up at 100% (OTEL_BSP_SCHEDULE_DELAY=100, OTEL_BSP_MAX_EXPORT_BATCH_SIZE=4096,
# OTEL_BSP_MAX_QUEUE_SIZE=65536) and the spans it still dropped are reported. The modes alternate ROUNDS (3) times;
# medians are compared (single runs vary by 10-20%).
# Prints a markdown section. Env: DURATION, CONNS, ROUNDS, STREAM, SCRATCH, SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
ROUNDS=${ROUNDS:-3}
STREAM=${STREAM:-false}
log() { echo "tracing.sh: $*" >&2; }
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! command -v wrk >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
source bench/lib.sh

UP=$(free_port)
"$bin/gateway" mock-upstream --port "$UP" --models mock-echo --canned >/dev/null 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$UP/healthz"
start_runtime
write_providers "$UP"
issue_token

# The collector: accepts every POST /v1/traces, counts bytes, answers an empty (valid) protobuf response.
OT=$(free_port)
python3 - "$OT" "$work/collector.txt" <<'PY' >/dev/null 2>&1 &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port, out = int(sys.argv[1]), sys.argv[2]
state = {"exports": 0, "bytes": 0}
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0")); self.rfile.read(n)
        state["exports"] += 1; state["bytes"] += n
        open(out, "w").write("%d %d\n" % (state["exports"], state["bytes"]))
        self.send_response(200); self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0"); self.end_headers()
ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
pids+=($!)
wait_ready "http://127.0.0.1:$OT/"

hz=$(getconf CLK_TCK)
# mode (off|1|100) -> "cpu_us_per_request requests rps p50_us p99_us dropped"
measure() {
    local settings=()
    case "$1" in
        off) settings=(GATEWAY_TRACING=off) ;;
        *) settings=(GATEWAY_TRACING=on OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$OT" OTEL_TRACES_SAMPLER=traceidratio
            OTEL_TRACES_SAMPLER_ARG=$(python3 -c "print($1 / 100)") OTEL_BSP_SCHEDULE_DELAY=100
            OTEL_BSP_MAX_EXPORT_BATCH_SIZE=4096 OTEL_BSP_MAX_QUEUE_SIZE=65536) ;;
    esac
    GW=$(free_port)
    env GATEWAY_ENV=dev GATEWAY_HOST=127.0.0.1 GATEWAY_PORT=$GW GATEWAY_TOKEN_RUNTIME_URL="http://127.0.0.1:$RT" \
        GATEWAY_TOKEN_RUNTIME_SECRET=$SECRET GATEWAY_PROVIDERS_FILE="$work/providers.json" GATEWAY_LOG_LEVEL=warning \
        "${settings[@]}" "$bin/gateway" serve >"$work/gateway-$1.log" 2>&1 &
    local pid=$!
    wait_ready "http://127.0.0.1:$GW/healthz"
    BENCH_TOKEN=$TOKEN BENCH_STREAM=$STREAM wrk -t1 -c"$CONNS" -d2s -s bench/chat.lua "http://127.0.0.1:$GW/v1/chat/completions" >/dev/null 2>&1
    local c0 c1 out
    c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    out=$(BENCH_TOKEN=$TOKEN BENCH_STREAM=$STREAM wrk -t1 -c"$CONNS" -d"$DURATION" -s bench/chat.lua \
        "http://127.0.0.1:$GW/v1/chat/completions" 2>&1 | grep '^RESULT')
    c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    sleep 0.5
    kill "$pid"; wait "$pid" 2>/dev/null || true
    local dropped
    dropped=$(grep -o 'dropped_count=[0-9]*' "$work/gateway-$1.log" | cut -d= -f2 | awk '{s += $1} END {print s + 0}')
    local requests non2xx
    requests=$(field "$out" requests); non2xx=$(field "$out" non2xx)
    [ "$non2xx" = 0 ] || log "mode $1: $non2xx non-2xx answers"
    echo "$(python3 -c "print(round(($c1 - $c0) * 1e6 / $hz / max(1, $requests), 1))") $requests $(field "$out" rps) $(field "$out" p50_us) $(field "$out" p99_us) $dropped"
}

runs=()
for round in $(seq 1 "$ROUNDS"); do
    for mode in off 1 100; do
        log "round $round: tracing $mode"
        runs+=("$mode $(measure "$mode")")
    done
done
median_cpu() { printf '%s\n' "${runs[@]}" | awk -v k="$1" '$1 == k {print $2}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
off=$(median_cpu off); one=$(median_cpu 1); all=$(median_cpu 100)
label() { case "$1" in off) echo "off" ;; *) echo "on, $1% sampled" ;; esac; }
row() { local a=($1); printf '| %s | %s | %.0f | %s µs | %s µs | %s µs | %s |\n' "$(label "${a[0]}")" "${a[2]}" "${a[3]}" "${a[4]}" "${a[5]}" "${a[1]}" "${a[6]}"; }
pct() { python3 -c "print('%+.1f' % (($1 - $off) * 100 / $off))"; }
read -r exports bytes < "$work/collector.txt" || { exports=0; bytes=0; }
case "$bin" in *debug*) kind="debug builds" ;; *) kind="release builds" ;; esac
cat <<MD
### Traces: gateway CPU per request ($(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), $kind, $(nproc) cores)

One gateway (remote introspection, token cached) on one runtime and the canned mock upstream, driven by wrk (1 thread,
$CONNS connections, $DURATION, $( [ "$STREAM" = true ] && echo streamed || echo plain ) chat completions); the modes alternate $ROUNDS times, each
on a new gateway process. Gateway CPU is the process's user+system time over the run, per request. With tracing
on, spans go over OTLP/HTTP to a local sink (its CPU not counted); every sampled request exports about 8 spans.

| tracing | requests | req/s | p50 | p99 | gateway CPU per request | spans dropped |
| --- | --- | --- | --- | --- | --- | --- |
$(for r in "${runs[@]}"; do row "$r"; done)

Median gateway CPU per request: off $off µs; on at 1% $one µs ($(pct "$one") %); on at 100% $all µs ($(pct "$all") %).
The collector received $exports exports, $bytes bytes.
MD
