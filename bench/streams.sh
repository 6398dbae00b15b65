#!/usr/bin/env bash
# Thousands of concurrent streams through one gateway (issue: concurrent streams, no hidden cap on
# provider connections). The mock provider (`gateway mock-upstream --chunk-delay 1s`, release build)
# streams 8 words, about 10 s per answer; bench/streams.py opens COUNTS streams at once (within 2 s)
# through the gateway (remote_introspection, default configuration, token cached) and reports
# completed streams, time to first byte and the gateway's resident memory per open stream.
# Prints a markdown section. Stops what it started. Env: COUNTS ("2000 5000"), SCRATCH
# (.build-release), SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
COUNTS=${COUNTS:-2000 5000}
SCRATCH=${SCRATCH:-.build-release}
log() { echo "streams.sh: $*" >&2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building release binaries"
    swift build -c release --scratch-path "$SCRATCH" --product gateway >/dev/null
    swift build -c release --scratch-path "$SCRATCH" --product platform-token-runtime >/dev/null
fi
bin=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() { for _ in $(seq 1 200); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done; log "not ready: $1"; exit 1; }

UP=$(free_port); RT=$(free_port); GW=$(free_port)
ADMIN=bench-admin-key-0123456789
SECRET=bench-introspection-secret-0123

"$bin/gateway" mock-upstream --port "$UP" --models mock-echo --chunk-delay 1s >/dev/null 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$UP/healthz"
TOKEN_RUNTIME_ENV=dev TOKEN_RUNTIME_ADMIN_KEY=$ADMIN TOKEN_RUNTIME_INTROSPECTION_SECRET=$SECRET TOKEN_RUNTIME_PORT=$RT \
    TOKEN_RUNTIME_LOG_LEVEL=error "$bin/platform-token-runtime" serve >/dev/null 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$RT/readyz"
echo "{\"providers\":[{\"name\":\"up\",\"type\":\"openai\",\"base_url\":\"http://127.0.0.1:$UP\",\"models\":[\"mock-echo\"],\"timeout\":\"60s\"}]}" > "$work/providers.json"
GATEWAY_ENV=dev GATEWAY_HOST=127.0.0.1 GATEWAY_PORT=$GW GATEWAY_TOKEN_RUNTIME_URL="http://127.0.0.1:$RT" \
    GATEWAY_TOKEN_RUNTIME_SECRET=$SECRET GATEWAY_PROVIDERS_FILE="$work/providers.json" GATEWAY_LOG_LEVEL=error \
    "$bin/gateway" serve >/dev/null 2>&1 &
GATEWAY_PID=$!
pids+=($GATEWAY_PID)
wait_ready "http://127.0.0.1:$GW/healthz"

TOKEN=$(curl -fsS -X POST "http://127.0.0.1:$RT/v1/tokens" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"subject":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
# Warm up: the token cached, a few streams through.
PORT=$GW TOKEN=$TOKEN COUNT=20 RAMP=0 python3 bench/streams.py >/dev/null

rows=()
for count in $COUNTS; do
    log "$count concurrent streams"
    result=$(PORT=$GW TOKEN=$TOKEN COUNT=$count PID=$GATEWAY_PID DEADLINE=120 python3 bench/streams.py)
    rows+=("$count $result")
    sleep 3  # let the connections of the last run close
done
peak_rss=$(awk '/VmHWM/ {print $2}' /proc/$GATEWAY_PID/status)
fds=$(awk '/Max open files/ {print $4}' /proc/$GATEWAY_PID/limits)

jget() { echo "$1" | python3 -c "import json,sys; v=json.load(sys.stdin).get('$2'); print(v if v is not None else '-')"; }
cat <<MD
### Concurrent streams ($(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), release builds, $(nproc) cores)

bench/streams.py opens the streams within 2 s (one connection each) through the gateway (default configuration,
remote_introspection, token cached) to \`gateway mock-upstream --chunk-delay 1s\` (8 words: about 10 s per stream) and holds
each to its end. Gateway open-file limit: $fds.

| concurrent streams | completed | failed (by status) | time to first byte p50 | p99 | gateway RSS before -> peak | per open stream | wall |
| --- | --- | --- | --- | --- | --- | --- | --- |
$(for row in "${rows[@]}"; do n=${row%% *}; r=${row#* }; printf '| %s | %s | %s | %s ms | %s ms | %s -> %s MiB | %s KiB | %s s |\n' "$n" "$(jget "$r" completed)" "$(jget "$r" failures)" "$(jget "$r" ttfb_p50_ms)" "$(jget "$r" ttfb_p99_ms)" "$(( $(jget "$r" rss_baseline_kib) / 1024 ))" "$(( $(jget "$r" rss_peak_kib) / 1024 ))" "$(jget "$r" kib_per_stream)" "$(jget "$r" seconds)"; done)

- Gateway peak RSS over the whole run: $(( peak_rss / 1024 )) MiB.
MD
