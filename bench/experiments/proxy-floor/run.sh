#!/usr/bin/env bash
# Issue 18's floor: what the proxied leg costs on this stack with none of the gateway's stages. A
# worktree of HEAD with floor-routes.patch applied (kept at FLOOR_TREE and built there in release,
# reused on the next run) adds two routes that only collect the body, send it to the first
# provider through the gateway's own NIO client and return the answer:
#   /floor/bare    Hummingbird's router and nothing else
#   /floor/outer   behind the outermost middleware (request id, CORS, metrics, error envelope)
# and measures them next to /healthz, the full /v1/chat/completions (audit, auth, limits, usage,
# routing) and nginx proxy_pass, all in front of bench/proxy-fast.sh's fast nginx upstream (plain
# answers). wrk (1 thread, CONNS connections, DURATION after a 1 s warm-up), the targets alternating
# ROUNDS times on the same processes; prints one line per run with req/s and, for the gateway, its
# CPU (user + system) per request. Env: CONNS (16), DURATION (5s), ROUNDS (3), FLOOR_TREE
# (/tmp/ljq-proxy-floor).
set -euo pipefail
cd "$(dirname "$0")/../../.."
CONNS=${CONNS:-16}
DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-3}
FLOOR_TREE=${FLOOR_TREE:-/tmp/ljq-proxy-floor}
log() { echo "proxy-floor: $*" >&2; }
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi

repo=$PWD
if [ ! -d "$FLOOR_TREE" ]; then git worktree add -q --detach "$FLOOR_TREE" HEAD; fi
(
    cd "$FLOOR_TREE"
    git checkout -q -f --detach "$(git -C "$repo" rev-parse HEAD)"  # drops the patch applied last time
    git apply "$repo/bench/experiments/proxy-floor/floor-routes.patch"
    log "building the patched gateway in $FLOOR_TREE (the first build takes 10-15 minutes)"
    swift build -c release --product gateway >/dev/null
    swift build -c release --product platform-token-runtime >/dev/null
)
BIN=$(cd "$FLOOR_TREE" && swift build -c release --show-bin-path)
source bench/lib.sh
need wrk:wrk nginx:nginx-light
start_fast_upstream
start_nginx_proxy
start_runtime
write_providers "$UPP"
start_gateway
issue_token

one() {  # name url
    local lua=bench/chat.lua c0 c1 line cpu=""
    [ "$1" = healthz ] && lua=bench/result.lua
    BENCH_TOKEN=$TOKEN wrk -t1 -c"$CONNS" -d1s -s "$lua" "$2" >/dev/null 2>&1 || true
    c0=$(cpu_ticks "$GATEWAY_PID")
    line=$(BENCH_TOKEN=$TOKEN wrk -t1 -c"$CONNS" -d"$DURATION" -s "$lua" "$2" 2>&1 | grep '^RESULT')
    c1=$(cpu_ticks "$GATEWAY_PID")
    [ "$1" != nginx ] && cpu=" gateway_cpu_us=$(python3 -c "print(round(($c1 - $c0) * 1e6 / $(getconf CLK_TCK) / max(1, $(field "$line" requests)), 1))")"
    echo "$1 conns=$CONNS rps=$(field "$line" rps) errors=$(( $(field "$line" errors) + $(field "$line" non2xx) ))$cpu"
}

for round in $(seq 1 "$ROUNDS"); do
    log "round $round"
    one nginx "http://127.0.0.1:$NGP/v1/chat/completions"
    one healthz "http://127.0.0.1:$GW/healthz"
    one floor-bare "http://127.0.0.1:$GW/floor/bare"
    one floor-outer "http://127.0.0.1:$GW/floor/outer"
    one chat "http://127.0.0.1:$GW/v1/chat/completions"
done
