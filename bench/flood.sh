#!/usr/bin/env bash
# Forged-token floods (issue: shed them per client before each costs an introspection).
# A legitimate client with a cached token (wrk, 16 connections, from 127.0.0.1) measured alone, then
# while a flood of distinct well-formed forged tokens runs at full speed (wrk, 32 connections):
#   one address     every flood request carries X-Forwarded-For: 198.51.100.7 (the gateway trusts
#                   127.0.0.1 as a proxy, so the flood is charged to that address and the
#                   legitimate client to 127.0.0.1: wrk cannot pick its source address)
#   distributed     a different 198.18.x.y per request (the global miss-rate ceiling is what holds)
# each with the defences on (defaults) and off (GATEWAY_AUTH_FAILURE_LIMIT=0,
# GATEWAY_TOKEN_RUNTIME_MAX_MISS_RATE=0). Reports legitimate req/s and p99, flood req/s, and the
# introspections per second that reached the runtime. Release builds; everything on 127.0.0.1.
# Prints a markdown section. Env: DURATION (10s), SCRATCH (.build-release), SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
log() { echo "flood.sh: $*" >&2; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! command -v wrk >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
source bench/lib.sh
seconds() { python3 -c "import sys; t=sys.argv[1]; print(int(float(t[:-1]) if t.endswith(\"s\") else float(t)))" "$1"; }

UP=$(free_port)
python3 bench/forged_tokens.py 50000 > "$work/forged.txt"

"$bin/gateway" mock-upstream --port "$UP" --models mock-echo --canned >/dev/null 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$UP/healthz"
start_runtime
write_providers "$UP"
issue_token
export BENCH_TOKEN=$TOKEN BENCH_STREAM=false FLOOD_TOKENS="$work/forged.txt"

introspections() { curl -fsS "http://127.0.0.1:$RT/metrics" | awk '/^token_runtime_introspections_total/ {s+=$2} END {print s+0}'; }

start_defended_gateway() {  # extra VAR=value settings; the flood's X-Forwarded-For is honoured from 127.0.0.1
    start_gateway GATEWAY_TRUSTED_PROXIES=127.0.0.1 "$@"
    curl -fsS "http://127.0.0.1:$GW/v1/models" -H "Authorization: Bearer $TOKEN" >/dev/null  # the token cached
}
legit() { wrk -t2 -c16 -d"$DURATION" --latency -s bench/chat.lua "http://127.0.0.1:$GW/v1/chat/completions" 2>&1 | grep '^RESULT'; }

rows=()
for defences in on off; do
    if [ $defences = on ]; then start_defended_gateway; else start_defended_gateway GATEWAY_AUTH_FAILURE_LIMIT=0 GATEWAY_TOKEN_RUNTIME_MAX_MISS_RATE=0; fi
    wrk -t2 -c16 -d2s -s bench/chat.lua "http://127.0.0.1:$GW/v1/chat/completions" >/dev/null 2>&1 || true
    log "defences $defences: legitimate alone"
    alone=$(legit)
    for kind in one-address distributed; do
        forwarded=198.51.100.7
        [ $kind = distributed ] && forwarded=random
        log "defences $defences: $kind flood"
        flood_seconds=$(( $(seconds "$DURATION") + 4 ))
        FLOOD_FORWARDED_FOR=$forwarded wrk -t1 -c32 -d"${flood_seconds}s" -s bench/flood.lua \
            "http://127.0.0.1:$GW/v1/chat/completions" > "$work/flood.txt" 2>&1 &
        flood_pid=$!
        sleep 2
        before=$(introspections); t0=$(date +%s.%N)
        during=$(legit)
        after=$(introspections); t1=$(date +%s.%N)
        wait $flood_pid || true
        flood=$(grep '^FLOOD' "$work/flood.txt" || echo "FLOOD rps=0")
        rate=$(python3 -c "print(round(($after-$before)/($t1-$t0)))")
        rows+=("| $defences | $kind | $(field "$alone" rps) | $(field "$during" rps) | $(python3 -c "print('%.0f%%' % (100*$(field "$during" rps)/$(field "$alone" rps)))") | $(python3 -c "print('%.1f' % ($(field "$during" p99_us)/1000))") ms | $(field "$flood" rps) | $rate/s |")
        sleep 2
    done
    shed=$(curl -fsS "http://127.0.0.1:$GW/metrics" | grep '^gateway_auth_shed_total' | tr '\n' ' ')
    kill "$GATEWAY_PID" 2>/dev/null || true
    wait "$GATEWAY_PID" 2>/dev/null || true
    rows+=("<!-- defences $defences: $shed -->")
done

cat <<MD
### Forged-token floods ($(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), release builds, $(nproc) cores)

A legitimate client (wrk, 16 connections, cached token) alone and during a flood of 50,000 distinct well-formed forged
tokens at full speed (wrk, 32 connections, $DURATION measured): from one address (X-Forwarded-For 198.51.100.7 through
a trusted proxy) or a different address per request. Defences on: the defaults (\`GATEWAY_AUTH_FAILURE_LIMIT=120\`,
\`GATEWAY_TOKEN_RUNTIME_MAX_MISS_RATE=1000\`); off: both 0. Everything shares the 2 cores.

| defences | flood | legitimate req/s alone | during the flood | kept | legitimate p99 during | flood req/s | introspections reaching the runtime |
| --- | --- | --- | --- | --- | --- | --- | --- |
$(printf '%s\n' "${rows[@]}")
MD
