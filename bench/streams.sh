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
COUNTS=${COUNTS:-2000 5000}
log() { echo "streams.sh: $*" >&2; }

source bench/lib.sh

UP=$(free_port)

"$bin/gateway" mock-upstream --port "$UP" --models mock-echo --chunk-delay 1s >/dev/null 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$UP/healthz"
start_runtime
write_providers "$UP" 60s
start_gateway
issue_token
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
