#!/usr/bin/env bash
# Gateway overhead (issue: the OpenAI-compatible proxy). One run, same machine, same upstream:
#   direct   wrk -> mock upstream (`gateway mock-upstream`, release build)
#   nginx    wrk -> nginx proxy_pass (keep-alive upstream) -> mock upstream
#   gateway  wrk -> gateway (remote_introspection, token already cached) -> mock upstream
# at 1 and 16 connections, plain and streaming chat completions; plus streaming time to first byte
# (direct vs gateway, 500 sequential requests). Prints a markdown section. Stops what it started.
# Each row is the median run (by req/s) of REPEAT (3) runs: single runs on a shared VM vary by 20-30%.
# Env: DURATION (10s), REPEAT (3), SCRATCH (.build-release), SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
DURATION=${DURATION:-10s}
REPEAT=${REPEAT:-3}
log() { echo "proxy.sh: $*" >&2; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    missing=()
    command -v wrk >/dev/null 2>&1 || missing+=(wrk)
    command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
    if [ ${#missing[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

source bench/lib.sh

UP=$(free_port); NGX=$(free_port)

"$bin/gateway" mock-upstream --port "$UP" --models mock-echo --canned >/dev/null 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$UP/healthz"

mkdir -p "$work/nginx/logs"
cat > "$work/nginx/nginx.conf" <<NGX
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log error;
events { worker_connections 1024; }
http {
    access_log off;
    upstream mock { server 127.0.0.1:$UP; keepalive 64; }
    server {
        listen 127.0.0.1:$NGX;
        location / {
            proxy_pass http://mock;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }
    }
}
NGX
"$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_ready "http://127.0.0.1:$NGX/healthz"

start_runtime
write_providers "$UP"
start_gateway
issue_token
export BENCH_TOKEN=$TOKEN

run() {  # name port connections stream -> the median "RESULT ..." line (by req/s) of REPEAT runs
    local threads=$(( $3 < 2 ? 1 : 2 )) lines=() line i
    BENCH_STREAM=$4 wrk -t"$threads" -c"$3" -d2s -s bench/chat.lua "http://127.0.0.1:$2/v1/chat/completions" >/dev/null 2>&1 || true
    for i in $(seq 1 "$REPEAT"); do
        line=$(BENCH_STREAM=$4 wrk -t"$threads" -c"$3" -d"$DURATION" --latency -s bench/chat.lua \
            "http://127.0.0.1:$2/v1/chat/completions" 2>&1 | grep '^RESULT')
        lines+=("$(field "$line" rps) $line")
    done
    printf '%s\n' "${lines[@]}" | sort -n | sed -n "$(( (REPEAT + 1) / 2 ))p" | cut -d' ' -f2-
}

declare -A R
for stream in false true; do
    for conns in 1 16; do
        for target in direct:$UP nginx:$NGX gateway:$GW; do
            name=${target%%:*}; port=${target##*:}
            log "$name, $conns connection(s), stream=$stream"
            R[$name-$conns-$stream]=$(run "$name" "$port" "$conns" "$stream")
        done
    done
done
peak_rss=$(awk '/VmHWM/ {print $2}' /proc/$GATEWAY_PID/status)

log "streaming time to first byte"
ttfb() {  # port -> the JSON line of the median run (by p50) of REPEAT runs of bench/ttfb.py
    local i
    for i in $(seq 1 "$REPEAT"); do PORT=$1 TOKEN=$TOKEN python3 bench/ttfb.py; done |
        python3 -c 'import json,sys; runs=sorted((json.loads(l) for l in sys.stdin), key=lambda r: r["p50_ms"]); print(json.dumps(runs[(len(runs)-1)//2]))'
}
ttfb_direct=$(ttfb "$UP")
ttfb_gateway=$(ttfb "$GW")
metrics=$(curl -fsS "http://127.0.0.1:$GW/metrics")
hit_ratio=$(echo "$metrics" | awk '/^gateway_token_cache_hit_ratio/ {print $2}')

us2ms() { python3 -c "print('%.3f' % ($1/1000))"; }
row() {  # name conns stream
    local r=${R[$1-$2-$3]} kind=plain
    [ "$3" = true ] && kind=streaming
    printf '| %s | %s | %s | %s | %s ms | %s ms | %s ms | %s |\n' "$1" "$kind" "$2" "$(field "$r" rps)" "$(us2ms "$(field "$r" p50_us)")" \
        "$(us2ms "$(field "$r" p90_us)")" "$(us2ms "$(field "$r" p99_us)")" "$(( $(field "$r" errors) + $(field "$r" non2xx) ))"
}
added() {  # conns percentile stream
    python3 -c "print('%.3f' % (($(field "${R[gateway-$1-$3]}" "$2")-$(field "${R[direct-$1-$3]}" "$2"))/1000))"
}
ratio() { python3 -c "print('%.2f' % ($(field "${R[gateway-16-$2]}" rps)/$(field "${R[$1-16-$2]}" rps)))"; }  # other stream
jget() { echo "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }

cat <<MD
### Proxy overhead ($(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), release builds, $(nproc) cores, unpinned)

wrk (the median by req/s of $REPEAT runs of $DURATION per row, after a 2 s warm-up) POSTing a small chat completion, plain and streaming
(\`"stream": true\`: the whole event stream, timed to its end); the mock upstream is \`gateway mock-upstream --canned\`
(a precomputed answer or event stream); nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') proxies with keep-alive upstream connections; the gateway
runs in remote_introspection mode with the token already cached. All processes share the 2 cores.

| target | kind | connections | req/s | p50 | p90 | p99 | errors |
| --- | --- | --- | --- | --- | --- | --- | --- |
$(for stream in false true; do for conns in 1 16; do for name in direct nginx gateway; do row $name $conns $stream; done; done; done)

- Added latency of the gateway at 1 connection: plain p50 $(added 1 p50_us false) ms, p99 $(added 1 p99_us false) ms (targets: < 0.25 ms, < 1 ms); streaming p50 $(added 1 p50_us true) ms, p99 $(added 1 p99_us true) ms.
- Throughput at 16 connections: gateway / nginx = $(ratio nginx false) plain (target: >= 0.5), $(ratio nginx true) streaming; gateway / direct = $(ratio direct false) plain, $(ratio direct true) streaming.
- Streaming time to first byte, 500 sequential requests (the median of $REPEAT such runs): direct p50 $(jget "$ttfb_direct" p50_ms) ms, p99 $(jget "$ttfb_direct" p99_ms) ms; through the gateway p50 $(jget "$ttfb_gateway" p50_ms) ms, p99 $(jget "$ttfb_gateway" p99_ms) ms; added p50 $(python3 -c "print('%.3f' % ($(jget "$ttfb_gateway" p50_ms)-$(jget "$ttfb_direct" p50_ms)))") ms (target < 0.5 ms).
- Gateway peak RSS after the run: $(( peak_rss / 1024 )) MiB. Token cache hit ratio: $hit_ratio.
MD
