#!/usr/bin/env bash
# Budgets across replicas (issue: budgets and limits that hold exactly across every gateway replica).
# One token runtime (memory store), the mock upstream (priced here at 0.001 USD input and 8 USD output
# per million tokens: "hello there" with max_tokens 2 costs 2 x 1 + 2 x 8,000 = 16,002 nano-USD), and
# GATEWAYS (4) gateways, each driven by its own wrk with CONNS (64) connections for DURATION (10s):
#   1. budget on, never exhausted: gateway CPU per request and runtime quota calls per 1,000 requests;
#   2. the same token load without a budget: gateway CPU per request (the cost of budgets);
#   3. a budget of EXHAUST (2,000) requests' real cost, driven until spent: ledger spend vs budget
#      (overspend must be 0) and what was left unspent when requests started being refused;
#   4. PATCH propagation: the exhausted budget raised, time until every gateway serves the token again.
# Runs 1 and 2 alternate PAIRS (3) times; CPU is compared by medians (single runs vary by 10-20%).
# Prints a markdown section. Env: DURATION, CONNS, GATEWAYS, EXHAUST, PAIRS, SCRATCH, SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
GATEWAYS=${GATEWAYS:-4}
EXHAUST=${EXHAUST:-2000}
PAIRS=${PAIRS:-3}
log() { echo "budget.sh: $*" >&2; }
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! command -v wrk >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
source bench/lib.sh

UP=$(free_port)
"$bin/gateway" mock-upstream --port "$UP" --models mock-echo >/dev/null 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$UP/healthz"
start_runtime
echo "{\"providers\":[{\"name\":\"up\",\"type\":\"openai\",\"base_url\":\"http://127.0.0.1:$UP\",\"models\":[\"mock-echo\"],
  \"prices\":{\"mock-echo\":{\"input_per_mtok\":\"0.001\",\"output_per_mtok\":\"8\"}}}]}" > "$work/providers.json"
gws=(); gw_pids=()
for _ in $(seq 1 "$GATEWAYS"); do
    start_gateway
    gws+=("$GW"); gw_pids+=("$GATEWAY_PID")
done

issue() {  # JSON claims -> "token id"
    curl -fsS -X POST "http://127.0.0.1:$RT/v1/tokens" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
        -d "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["token"], d["id"])'
}
cpu_ticks() { local total=0 pid; for pid in "${gw_pids[@]}"; do total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat") )); done; echo $total; }
quota_calls() {
    local total=0 port v
    for port in "${gws[@]}"; do
        v=$(curl -fsS "http://127.0.0.1:$port/metrics" | awk '/^gateway_quota_calls_total/ {s += $2} END {print s + 0}')
        total=$(python3 -c "print(int($total + $v))")
    done
    echo $total
}
drive() {  # token duration -> "requests non2xx rps" summed over the gateways' wrk runs
    local files=() wrks=() i=0 port w
    for port in "${gws[@]}"; do
        BENCH_TOKEN=$1 wrk -t1 -c"$CONNS" -d"$2" -s bench/budget.lua "http://127.0.0.1:$port/v1/chat/completions" > "$work/wrk-$i.txt" 2>&1 &
        wrks+=($!); files+=("$work/wrk-$i.txt"); i=$((i + 1))
    done
    for w in "${wrks[@]}"; do wait "$w" 2>/dev/null || true; done
    sleep 0.5
    local requests=0 non2xx=0 rps=0 line
    for f in "${files[@]}"; do
        line=$(grep '^RESULT' "$f" || echo "RESULT requests=0 non2xx=0 rps=0")
        requests=$(( requests + $(field "$line" requests) )); non2xx=$(( non2xx + $(field "$line" non2xx) ))
        rps=$(python3 -c "print($rps + $(field "$line" rps))")
    done
    echo "$requests $non2xx $rps"
}
hz=$(getconf CLK_TCK)
measure() {  # token -> "cpu_us_per_request requests non2xx rps quota_calls"
    drive "$1" 2s >/dev/null  # warm-up
    local c0 q0 c1 q1 out
    c0=$(cpu_ticks); q0=$(quota_calls)
    out=$(drive "$1" "$DURATION")
    c1=$(cpu_ticks); q1=$(quota_calls)
    set -- $out
    echo "$(python3 -c "print(round(($c1 - $c0) * 1e6 / $hz / max(1, $1 - $2), 1))") $1 $2 $3 $(( q1 - q0 ))"
}

read -r on_token on_id < <(issue '{"subject":"bench-budget","max_budget_usd":"1000000"}')
read -r off_token off_id < <(issue '{"subject":"bench-nobudget"}')
runs=()  # "kind cpu requests refused rps calls", on and off alternating
for pair in $(seq 1 "$PAIRS"); do
    log "pair $pair: budget on"; runs+=("on $(measure "$on_token")")
    log "pair $pair: budget off"; runs+=("off $(measure "$off_token")")
done
median_cpu() { printf '%s\n' "${runs[@]}" | awk -v k="$1" '$1 == k {print $2}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cpu_on=$(median_cpu on); cpu_off=$(median_cpu off)

budget_nano=$(( EXHAUST * 16002 ))
budget_usd=$(python3 -c "from decimal import Decimal; print(Decimal($budget_nano) / Decimal(10**9))")
read -r ex_token ex_id < <(issue "{\"subject\":\"bench-exhaust\",\"max_budget_usd\":\"$budget_usd\"}")
log "exhausting a budget of $EXHAUST requests"
ex=$(drive "$ex_token" "$DURATION")
sleep 2  # the last usage reports reach the ledger
spend=$(curl -fsS "http://127.0.0.1:$RT/v1/usage?token_id=$ex_id" -H "Authorization: Bearer $ADMIN" |
    python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(d[0]["spend_nano_usd"] if d else 0)')
set -- $ex
served=$(( $1 - $2 ))
worst=$(python3 -c "print((len('{\"model\":\"mock-echo\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}') + 8 + 16) + 2 * 8000)")

log "PATCH propagation"
propagation=$(RT=$RT GWS="${gws[*]}" ADMIN=$ADMIN TOKEN=$ex_token TOKEN_ID=$ex_id ROUNDS=${ROUNDS:-10} python3 bench/patch_propagation.py)
jget() { echo "$propagation" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

calls_per_k() { python3 -c "a='$1'.split(); print(round(int(a[5]) * 1000 / max(1, int(a[2])), 2))"; }
row() { local a=($1); printf '| budget %s | %s | %s | %.0f | %s µs | %s |\n' "${a[0]}" "${a[2]}" "${a[3]}" "${a[4]}" "${a[1]}" "$(calls_per_k "$1")"; }
cat <<MD
### Budgets across replicas ($(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), release builds, $(nproc) cores)

$GATEWAYS gateways on one runtime (memory store), each driven by its own wrk (1 thread, $CONNS connections, $DURATION) with
one token; the mock upstream as the provider; everything on the same $(nproc) cores. Gateway CPU is user+system time of
all gateway processes over the run, per request served (refusals excluded).

| run | requests | refused | req/s | gateway CPU per request | quota calls per 1,000 requests |
| --- | --- | --- | --- | --- | --- |
$(for r in "${runs[@]}"; do row "$r"; done)

Median gateway CPU per request: budget on $cpu_on µs, off $cpu_off µs: $(python3 -c "print('%+.1f' % (($cpu_on - $cpu_off) * 100 / $cpu_off))") %.

Exhaustion: a budget of $budget_usd USD ($budget_nano nano-USD, $EXHAUST requests at 16,002 nano-USD real cost; worst case
$worst nano-USD each), $GATEWAYS x $CONNS connections for $DURATION: $served served, $2 refused; ledger spend $spend nano-USD,
overspend $(( spend > budget_nano ? spend - budget_nano : 0 )) nano-USD; left unspent $(( budget_nano - spend )) nano-USD
($(python3 -c "print(round(($budget_nano - $spend) / 16002, 2))") requests' real cost, $(python3 -c "print(round(($budget_nano - $spend) / $worst, 2))") worst cases).

PATCH propagation (\`bench/patch_propagation.py\`): the exhausted token's budget raised, from the PATCH's answer to the
first request each gateway serves (polling every 2 ms, so one request's latency is included), $(jget samples) samples
over $GATEWAYS gateways: p50 $(jget p50_ms) ms, p90 $(jget p90_ms) ms, max $(jget max_ms) ms (target: 100 ms).
MD
