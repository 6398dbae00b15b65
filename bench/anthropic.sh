#!/usr/bin/env bash
# Anthropic both ways (issue 15): what crossing between the two APIs adds, end to end. One gateway
# (remote introspection, cached token), the OpenAI mock upstream serving mock-echo and the Anthropic
# mock upstream serving claude-mock, the same typical chat (bench/anthropic.lua: a system prompt,
# three turns, one tool) sent four ways:
#   chat -> openai        /v1/chat/completions to the OpenAI mock (no translation: the baseline)
#   messages -> anthropic /v1/messages to the Anthropic mock (native: no translation)
#   messages -> openai    /v1/messages to the OpenAI mock (translated both ways)
#   chat -> anthropic     /v1/chat/completions to the Anthropic mock (translated both ways)
# For each: p50/p99 at 1 connection, req/s at CONNS (16) connections and the gateway's CPU per
# request (utime+stime from /proc over the 16-connection run). Each case runs RUNS (3) times,
# interleaved; medians are printed. The two mocks differ, so compare translated vs native on the
# same upstream: messages->openai vs chat->openai, chat->anthropic vs messages->anthropic.
# Prints a markdown section. Env: DURATION (5s), CONNS, RUNS, STREAM (false), SCRATCH, SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5s}
CONNS=${CONNS:-16}
RUNS=${RUNS:-3}
STREAM=${STREAM:-false}
log() { echo "anthropic.sh: $*" >&2; }
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! command -v wrk >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
source bench/lib.sh

UP=$(free_port)
"$bin/gateway" mock-upstream --port "$UP" --models mock-echo >/dev/null 2>&1 &
pids+=($!)
AUP=$(free_port)
"$bin/gateway" mock-upstream --anthropic --port "$AUP" --models claude-mock >/dev/null 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$UP/healthz"
wait_ready "http://127.0.0.1:$AUP/healthz"
start_runtime
echo "{\"providers\":[{\"name\":\"up\",\"type\":\"openai\",\"base_url\":\"http://127.0.0.1:$UP\",\"models\":[\"mock-echo\"]},
  {\"name\":\"claude\",\"type\":\"anthropic\",\"base_url\":\"http://127.0.0.1:$AUP\",\"api_key\":\"sk-ant-bench\",\"models\":[\"claude-mock\"]}]}" \
    > "$work/providers.json"
start_gateway
issue_token

hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$GATEWAY_PID/stat"; }
run_wrk() {  # api model connections duration -> RESULT line
    BENCH_TOKEN=$TOKEN BENCH_API=$1 BENCH_MODEL=$2 BENCH_STREAM=$STREAM wrk -t1 -c"$3" -d"$4" -s bench/anthropic.lua \
        "http://127.0.0.1:$GW/v1/$([ "$1" = messages ] && echo messages || echo chat/completions)" | grep '^RESULT'
}
cases=("chat mock-echo" "messages claude-mock" "messages mock-echo" "chat claude-mock")
names=("chat -> openai (baseline)" "messages -> anthropic (native)" "messages -> openai (translated)" "chat -> anthropic (translated)")
declare -A p50 p99 rps cpu
for c in "${cases[@]}"; do
    set -- $c
    run_wrk "$1" "$2" "$CONNS" 2s >/dev/null  # warm-up, and a check that it answers
    line=$(run_wrk "$1" "$2" 1 1s)
    [ "$(field "$line" non2xx)" = 0 ] || { log "case $c answered non-2xx: $line"; exit 1; }
done
for run in $(seq 1 "$RUNS"); do
    for i in "${!cases[@]}"; do
        set -- ${cases[$i]}
        log "run $run: ${names[$i]}"
        one=$(run_wrk "$1" "$2" 1 "$DURATION")
        c0=$(cpu_ticks)
        many=$(run_wrk "$1" "$2" "$CONNS" "$DURATION")
        c1=$(cpu_ticks)
        requests=$(field "$many" requests)
        p50[$i]+="$(field "$one" p50_us) "; p99[$i]+="$(field "$one" p99_us) "
        rps[$i]+="$(field "$many" rps) "
        cpu[$i]+="$(python3 -c "print(round(($c1 - $c0) * 1e6 / $hz / max(1, $requests), 1))") "
    done
done
median() { python3 -c "import statistics,sys; print(round(statistics.median(float(x) for x in sys.argv[1:]), 1))" $1; }

echo "### Anthropic both ways (bench/anthropic.sh)"
echo
echo "Release build, 1 gateway, token cached, stream=$STREAM, medians of $RUNS interleaved runs of $DURATION; $(nproc) cores."
echo
echo "| path | p50 at 1 conn (µs) | p99 at 1 conn (µs) | req/s at $CONNS conns | gateway CPU per request (µs) |"
echo "| --- | --- | --- | --- | --- |"
for i in "${!cases[@]}"; do
    echo "| ${names[$i]} | $(median "${p50[$i]}") | $(median "${p99[$i]}") | $(median "${rps[$i]}") | $(median "${cpu[$i]}") |"
done
