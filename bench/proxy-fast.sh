#!/usr/bin/env bash
# The proxy's own cost (issue 18): the upstream is nginx answering canned OpenAI bodies from
# `return` directives (1 worker), fast enough that what shows is the proxy in front of it:
#   direct   wrk -> the nginx upstream
#   nginx    wrk -> nginx proxy_pass (keep-alive upstream pool, 1 worker) -> the nginx upstream
#   gateway  wrk -> gateway (remote_introspection, token cached) -> the nginx upstream
# at 1 and 16 connections, plain and streaming (`"stream": true`, a canned 7-event stream), the
# median by req/s of REPEAT runs; the gateway's CPU time per request over its runs; streaming time
# to first byte (500 sequential requests). Prints a markdown section. Stops what it started.
# Env: DURATION (5s), REPEAT (3), SCRATCH (.build-release), SKIP_BUILD=1, BIN (binaries built elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5s}
REPEAT=${REPEAT:-3}
log() { echo "proxy-fast.sh: $*" >&2; }
source bench/lib.sh
need wrk:wrk nginx:nginx-light
start_fast_upstream
start_nginx_proxy

start_runtime
cat > "$work/providers.json" <<JSON
{"providers":[
 {"name":"plain","type":"openai","base_url":"http://127.0.0.1:$UPP","models":["mock-echo"],"timeout":"30s"},
 {"name":"stream","type":"openai","base_url":"http://127.0.0.1:$UPS","models":["mock-stream"],"timeout":"30s"}]}
JSON
start_gateway
issue_token
export BENCH_TOKEN=$TOKEN

declare -A R CPU
run() {  # key port connections stream model -> R[key]: the median run by req/s; CPU[key]: gateway µs/request over all runs
    local threads=$(( $3 < 2 ? 1 : 2 )) lines=() line i before after requests=0
    BENCH_STREAM=$4 BENCH_MODEL=$5 wrk -t"$threads" -c"$3" -d2s -s bench/chat.lua "http://127.0.0.1:$2/v1/chat/completions" >/dev/null 2>&1 || true
    before=$(cpu_ticks "$GATEWAY_PID")
    for i in $(seq 1 "$REPEAT"); do
        line=$(BENCH_STREAM=$4 BENCH_MODEL=$5 wrk -t"$threads" -c"$3" -d"$DURATION" --latency -s bench/chat.lua \
            "http://127.0.0.1:$2/v1/chat/completions" 2>&1 | grep '^RESULT')
        requests=$(( requests + $(field "$line" requests) ))
        lines+=("$(field "$line" rps) $line")
    done
    after=$(cpu_ticks "$GATEWAY_PID")
    R[$1]=$(printf '%s\n' "${lines[@]}" | sort -n | sed -n "$(( (REPEAT + 1) / 2 ))p" | cut -d' ' -f2-)
    CPU[$1]=$(python3 -c "print('%.1f' % (($after - $before) * 1e6 / $(getconf CLK_TCK) / max($requests, 1)))")
}

for stream in false true; do
    model=mock-echo; direct=$UPP; proxy=$NGP
    if [ "$stream" = true ]; then model=mock-stream; direct=$UPS; proxy=$NGS; fi
    for conns in 1 16; do
        for target in direct:$direct nginx:$proxy gateway:$GW; do
            name=${target%%:*}
            log "$name, $conns connection(s), stream=$stream"
            run "$name-$conns-$stream" "${target##*:}" "$conns" "$stream" "$model"
        done
    done
done

log "streaming time to first byte"
ttfb() {  # port -> the JSON line of the median run (by p50) of REPEAT runs
    local i
    for i in $(seq 1 "$REPEAT"); do PORT=$1 TOKEN=$TOKEN MODEL=mock-stream python3 bench/ttfb.py; done |
        python3 -c 'import json,sys; runs=sorted((json.loads(l) for l in sys.stdin), key=lambda r: r["p50_ms"]); print(json.dumps(runs[(len(runs)-1)//2]))'
}
ttfb_direct=$(ttfb "$UPS")
ttfb_nginx=$(ttfb "$NGS")
ttfb_gateway=$(ttfb "$GW")

us2ms() { python3 -c "print('%.3f' % ($1/1000))"; }
row() {  # name conns stream
    local r=${R[$1-$2-$3]} kind=plain cpu=""
    [ "$3" = true ] && kind=streaming
    [ "$1" = gateway ] && cpu="${CPU[$1-$2-$3]} µs"
    printf '| %s | %s | %s | %s | %s ms | %s ms | %s ms | %s | %s |\n' "$1" "$kind" "$2" "$(field "$r" rps)" "$(us2ms "$(field "$r" p50_us)")" \
        "$(us2ms "$(field "$r" p90_us)")" "$(us2ms "$(field "$r" p99_us)")" "$(( $(field "$r" errors) + $(field "$r" non2xx) ))" "$cpu"
}
added() {  # who conns percentile stream
    python3 -c "print('%.3f' % (($(field "${R[$1-$2-$4]}" "$3")-$(field "${R[direct-$2-$4]}" "$3"))/1000))"
}
ratio() { python3 -c "print('%.2f' % ($(field "${R[gateway-16-$1]}" rps)/$(field "${R[nginx-16-$1]}" rps)))"; }
jget() { echo "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
tadd() { python3 -c "print('%.3f' % ($(jget "$1" p50_ms)-$(jget "$ttfb_direct" p50_ms)))"; }

cat <<MD
### Proxy overhead with a fast upstream ($(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), release builds, $(nproc) cores, unpinned)

The upstream is nginx $("$(command -v nginx || echo /usr/sbin/nginx)" -v 2>&1 | sed 's/.*nginx\///') (1 worker) answering the Swift mock's canned answer and 7-event stream from \`return\`
directives; nginx \`proxy_pass\` (1 worker, keep-alive upstream pool) and the gateway (remote_introspection, token cached)
in front of it. wrk, the median by req/s of $REPEAT runs of $DURATION per row after a 2 s warm-up; the gateway's CPU
time (user + system) per request over its $REPEAT runs. All processes share the 2 cores.

| target | kind | connections | req/s | p50 | p90 | p99 | errors | gateway CPU / request |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
$(for stream in false true; do for conns in 1 16; do for name in direct nginx gateway; do row $name $conns $stream; done; done; done)

- 16 connections, gateway / nginx req/s: $(ratio false) plain, $(ratio true) streaming (targets >= 0.3, stretch 0.5).
- Added at 1 connection (over direct): gateway p50 $(added gateway 1 p50_us false) ms, p99 $(added gateway 1 p99_us false) ms plain (targets <= 0.15, <= 0.5); streaming p50 $(added gateway 1 p50_us true) ms, p99 $(added gateway 1 p99_us true) ms. nginx: p50 $(added nginx 1 p50_us false) ms plain, $(added nginx 1 p50_us true) ms streaming.
- Streaming time to first byte (500 sequential requests, median of $REPEAT runs): direct p50 $(jget "$ttfb_direct" p50_ms) ms; nginx p50 $(jget "$ttfb_nginx" p50_ms) ms (+$(tadd "$ttfb_nginx")); gateway p50 $(jget "$ttfb_gateway" p50_ms) ms (+$(tadd "$ttfb_gateway") ms, target < 0.2), p99 $(jget "$ttfb_gateway" p99_ms) ms.
MD
