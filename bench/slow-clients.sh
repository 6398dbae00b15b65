#!/usr/bin/env bash
# Slow clients beside normal traffic (issue 19). For each scenario, a fresh server (release build):
# wrk measures normal traffic alone, then again while bench/slow_clients.py holds ATTACK (3000)
# trickling connections (the start of a request head, then one byte every INTERVAL, 2 s; a
# connection the server closes is opened again). Prints a markdown section: req/s, p50/p99 and
# errors with and without the attack, what the attacker saw, and the server's connection metrics.
# Scenarios:
#   gateway       the gateway with its defaults (header timeout 10 s, cap 10,000), chat completions
#   gateway-cap   the same with GATEWAY_SERVER_MAX_CONNECTIONS=CAP (1000): the attack overflows the cap
#   runtime       the token runtime with its defaults, introspection
# Env: DURATION (10s per wrk run), ATTACK (3000), INTERVAL (2), CAP (1000), SCENARIOS, SCRATCH, SKIP_BUILD=1,
# BIN (a folder with both executables, e.g. another build).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
ATTACK=${ATTACK:-3000}
INTERVAL=${INTERVAL:-2}
CAP=${CAP:-1000}
SCENARIOS=${SCENARIOS:-"gateway gateway-cap runtime"}
log() { echo "slow-clients.sh: $*" >&2; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! command -v wrk >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
source bench/lib.sh
us2ms() { python3 -c "print('%.2f' % ($1/1000))"; }
errors_of() {  # RESULT line -> every kind of error wrk counted (both Lua scripts' field names)
    local total=0 f v
    for f in errors non2xx errors_connect errors_read errors_write errors_status errors_timeout; do
        v=$(field "$1" "$f"); total=$(( total + ${v:-0} ))
    done
    echo "$total"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }  # pid -> user+system ticks
TICK=$(getconf CLK_TCK)
seconds_of() { python3 -c "print('%.1f' % ($1 / $TICK))"; }
per_request() {  # ticks RESULT -> µs of CPU per answered request
    python3 -c "r=float('$(field "$2" requests)' or 0); print('%.0f' % ($1 / $TICK * 1e6 / r) if r else '-')"
}
metric() { echo "$1" | awk -v name="$2" '$1 == name {print $2}' | head -1; }

UP=$(free_port); RT=$(free_port)
ADMIN=bench-admin-key-0123456789
SECRET=bench-introspection-secret-0123
"$bin/gateway" mock-upstream --port "$UP" --models mock-echo --canned >/dev/null 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$UP/healthz"
TOKEN_RUNTIME_ENV=dev TOKEN_RUNTIME_ADMIN_KEY=$ADMIN TOKEN_RUNTIME_INTROSPECTION_SECRET=$SECRET TOKEN_RUNTIME_PORT=$RT \
    TOKEN_RUNTIME_LOG_LEVEL=error "$bin/platform-token-runtime" serve >/dev/null 2>&1 &
RUNTIME_PID=$!
pids+=($RUNTIME_PID)
wait_ready "http://127.0.0.1:$RT/readyz"
TOKEN=$(curl -fsS -X POST "http://127.0.0.1:$RT/v1/tokens" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"subject":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
echo "{\"providers\":[{\"name\":\"up\",\"type\":\"openai\",\"base_url\":\"http://127.0.0.1:$UP\",\"models\":[\"mock-echo\"]}]}" > "$work/providers.json"

start_gateway() {  # extra env assignments... -> GW, GATEWAY_PID
    GW=$(free_port)
    env GATEWAY_ENV=dev GATEWAY_HOST=127.0.0.1 GATEWAY_PORT="$GW" GATEWAY_TOKEN_RUNTIME_URL="http://127.0.0.1:$RT" \
        GATEWAY_TOKEN_RUNTIME_SECRET=$SECRET GATEWAY_PROVIDERS_FILE="$work/providers.json" GATEWAY_LOG_LEVEL=error "$@" \
        "$bin/gateway" serve >/dev/null 2>&1 &
    GATEWAY_PID=$!
    pids+=($GATEWAY_PID)
    wait_ready "http://127.0.0.1:$GW/healthz"
}

load() {  # url kind(chat|introspect) -> RESULT line
    if [ "$2" = chat ]; then
        BENCH_TOKEN=$TOKEN BENCH_STREAM=false wrk -t2 -c16 -d"$DURATION" --latency -s bench/chat.lua "$1" 2>&1 | grep '^RESULT'
    else
        INTROSPECT_TOKEN=$TOKEN INTROSPECT_SECRET=$SECRET wrk -t2 -c16 -d"$DURATION" --latency -s bench/introspect.lua "$1" 2>&1 | grep '^RESULT'
    fi
}

rows=()
notes=()
for scenario in $SCENARIOS; do
    case $scenario in
        gateway) start_gateway; port=$GW; pid=$GATEWAY_PID; url="http://127.0.0.1:$GW/v1/chat/completions"; kind=chat; prefix=gateway ;;
        gateway-cap) start_gateway GATEWAY_SERVER_MAX_CONNECTIONS="$CAP"; port=$GW; pid=$GATEWAY_PID
            url="http://127.0.0.1:$GW/v1/chat/completions"; kind=chat; prefix=gateway ;;
        runtime) port=$RT; pid=$RUNTIME_PID; url="http://127.0.0.1:$RT/v1/introspect"; kind=introspect; prefix=token_runtime ;;
        *) log "unknown scenario $scenario"; exit 2 ;;
    esac
    log "$scenario: warm-up and normal traffic alone"
    if [ "$kind" = chat ]; then BENCH_TOKEN=$TOKEN wrk -t2 -c16 -d2s -s bench/chat.lua "$url" >/dev/null 2>&1 || true; fi
    before=$(cpu_ticks "$pid")
    alone=$(load "$url" "$kind")
    alone_cpu=$(( $(cpu_ticks "$pid") - before ))
    log "$scenario: $ATTACK slow clients, then normal traffic beside them"
    wrk_seconds=${DURATION%s}
    attack_seconds=$(( wrk_seconds + 20 ))
    PORT=$port CONNECTIONS=$ATTACK INTERVAL=$INTERVAL DURATION=$attack_seconds python3 bench/slow_clients.py > "$work/attack-$scenario.json" &
    attacker=$!
    pids+=($attacker)
    sleep 8  # the attack ramps up and settles (connections opened, the first ones closed and reopened)
    fds_before=$(ls /proc/"$pid"/fd | wc -l)
    before=$(cpu_ticks "$pid"); attacker_before=$(cpu_ticks "$attacker")
    attacked=$(load "$url" "$kind")
    attacked_cpu=$(( $(cpu_ticks "$pid") - before )); attacker_cpu=$(( $(cpu_ticks "$attacker") - attacker_before ))
    fds_during=$(ls /proc/"$pid"/fd | wc -l)
    wait "$attacker" || true
    # After the attack: during it a full cap refuses this request too. The counters keep the totals.
    metrics=$(curl -fsS --max-time 10 "http://127.0.0.1:$port/metrics" || true)
    attack=$(cat "$work/attack-$scenario.json")
    for which in alone attacked; do
        r=${!which}; cpu_var=${which}_cpu; cpu=${!cpu_var}
        if [ "$which" = alone ]; then attack_label=none; attacker_cell=-; else attack_label="$ATTACK trickling"; attacker_cell="$(seconds_of "$attacker_cpu") s"; fi
        rows+=("| $scenario | $attack_label | $(field "$r" rps) | $(us2ms "$(field "$r" p50_us)") ms | $(us2ms "$(field "$r" p99_us)") ms | $(errors_of "$r") | $(seconds_of "$cpu") s ($(per_request "$cpu" "$r") µs/request) | $attacker_cell |")
    done
    notes+=("- $scenario: server open files before and after the loaded run $fds_before, $fds_during; metrics once the attack stopped: closed by header timeout $(metric "$metrics" "${prefix}_server_connections_closed_total{reason=\"header_timeout\"}"), evicted $(metric "$metrics" "${prefix}_server_connections_evicted_total"), refused $(metric "$metrics" "${prefix}_server_connections_refused_total"); the attacker: \`$attack\`")
    if [ "$scenario" != runtime ]; then kill "$GATEWAY_PID" 2>/dev/null || true; wait "$GATEWAY_PID" 2>/dev/null || true; fi
done

cat <<MD
### Slow clients beside normal traffic ($(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), release builds, $(nproc) cores, unpinned)

wrk, 2 threads, 16 keep-alive connections, $DURATION per run: chat completions through the gateway (token cached, mock
upstream \`--canned\`) or introspections on the runtime. "Attack": \`bench/slow_clients.py\` holding $ATTACK connections
on the same server, each sending \`POST ... HTTP/1.1\\r\\nHost: x\\r\\nX-Slow: \` and then one byte every $INTERVAL s,
reconnecting whenever the server closes it; wrk starts 8 s into the attack. Default limits (header timeout 10 s,
idle 75 s, cap 10,000) unless the scenario says otherwise (gateway-cap: cap $CAP). Everything on the same 2 cores,
so the attacker's own CPU (last column) is taken from the server and wrk. Server counters include connections
closed while the attacker wound down (it stops counting at its deadline).

| scenario | attack | req/s | p50 | p99 | errors | server CPU during the run | attacker CPU during the run |
| --- | --- | --- | --- | --- | --- | --- | --- |
$(printf '%s\n' "${rows[@]}")

$(printf '%s\n' "${notes[@]}")
MD
