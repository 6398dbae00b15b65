#!/usr/bin/env bash
# Two gateways side by side, same machine, same upstream (the canned mock) and runtime: wrk chat
# completions, 16 connections, runs alternating between them (A B A B ...), REPEAT (3) each,
# DURATION (10s) each, and the gateway CPU each request cost. A and B differ by build, by
# environment, or both:
#   BASE_BIN  a folder with the "base" gateway (default: this checkout's release build)
#   NEW_BIN   the "new" gateway's folder (default: this checkout's release build)
#   BASE_ENV / NEW_ENV  extra environment for each, e.g. NEW_ENV="GATEWAY_USAGE_ACCOUNTING=off"
#   STREAM=true  stream the answers (default false)
# The runtime comes from NEW_BIN. Prints one markdown table. Stops what it started.
#   BASE_BIN=/tmp/old bash bench/ab.sh                      # a change to the code
#   BASE_ENV="GATEWAY_USAGE_ACCOUNTING=off" bash bench/ab.sh # what a feature costs
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
NEW_BIN=${NEW_BIN:-$(swift build -c release --scratch-path .build-release --show-bin-path)}
BASE_BIN=${BASE_BIN:-$NEW_BIN}
BASE_ENV=${BASE_ENV:-}
NEW_ENV=${NEW_ENV:-}
STREAM=${STREAM:-false}
DURATION=${DURATION:-10s}
REPEAT=${REPEAT:-3}
log() { echo "ab: $*" >&2; }
BIN=$NEW_BIN
source bench/lib.sh
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)

UP=$(free_port)
"$NEW_BIN/gateway" mock-upstream --port "$UP" --models mock-echo --canned >/dev/null 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$UP/healthz"
start_runtime
issue_token
write_providers "$UP"
declare -A PORT PID
for which in base new; do
    bin_var=${which^^}_BIN
    env_var=${which^^}_ENV
    PORT[$which]=$(free_port)
    # shellcheck disable=SC2086 # word splitting of the extra environment is the point
    env ${!env_var} GATEWAY_ENV=dev GATEWAY_HOST=127.0.0.1 GATEWAY_PORT=${PORT[$which]} GATEWAY_TOKEN_RUNTIME_URL="http://127.0.0.1:$RT" \
        GATEWAY_TOKEN_RUNTIME_SECRET=$SECRET GATEWAY_PROVIDERS_FILE="$work/providers.json" GATEWAY_LOG_LEVEL=error \
        "${!bin_var}/gateway" serve >/dev/null 2>&1 &
    PID[$which]=$!
    pids+=($!)
    wait_ready "http://127.0.0.1:${PORT[$which]}/healthz"
    BENCH_TOKEN=$TOKEN wrk -t2 -c16 -d2s -s bench/chat.lua "http://127.0.0.1:${PORT[$which]}/v1/chat/completions" >/dev/null 2>&1 || true
done
echo "| run | build | req/s | p50 | p99 | errors | gateway CPU / request |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for i in $(seq 1 "$REPEAT"); do
    for which in base new; do
        before=$(cpu_ticks "${PID[$which]}")
        r=$(BENCH_TOKEN=$TOKEN BENCH_STREAM=$STREAM wrk -t2 -c16 -d"$DURATION" --latency -s bench/chat.lua \
            "http://127.0.0.1:${PORT[$which]}/v1/chat/completions" 2>&1 | grep '^RESULT')
        used=$(( $(cpu_ticks "${PID[$which]}") - before ))
        python3 - "$i" "$which" "$r" "$used" "$TICK" <<'PY'
import sys
run, which, line, used, tick = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
f = dict(kv.split("=") for kv in line.split()[1:])
requests = int(f["requests"])
print(f"| {run} | {which} | {float(f['rps']):.0f} | {int(f['p50_us'])/1000:.2f} ms | {int(f['p99_us'])/1000:.2f} ms | "
      f"{int(f['errors']) + int(f['non2xx'])} | {used / tick * 1e6 / requests:.0f} µs |")
PY
    done
done
