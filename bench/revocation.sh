#!/usr/bin/env bash
# Revocation propagation (issue: revocation pushed to every gateway within 100 ms).
# Starts a release platform-token-runtime and gateway (remote_introspection, default 30 s active TTL,
# mock provider), runs bench/revocation_propagation.py with the revocation stream on, then the same
# with it off (to show what the stream buys), and checks the cache hit ratio under load both ways.
# Prints a markdown section. Everything it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
COUNT=${COUNT:-1000}
SCRATCH=${SCRATCH:-.build-release}

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    swift build -c release --scratch-path "$SCRATCH" --product platform-token-runtime >/dev/null
    swift build -c release --scratch-path "$SCRATCH" --product gateway >/dev/null
fi
bin=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
wait_ready() { for _ in $(seq 1 200); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "not ready: $1" >&2; exit 1; }

ADMIN=bench-admin-key-0123456789
SECRET=bench-introspection-secret-0123
RUNTIME_PORT=$(free_port)
TOKEN_RUNTIME_ENV=dev TOKEN_RUNTIME_ADMIN_KEY=$ADMIN TOKEN_RUNTIME_INTROSPECTION_SECRET=$SECRET TOKEN_RUNTIME_PORT=$RUNTIME_PORT \
    TOKEN_RUNTIME_LOG_LEVEL=error "$bin/platform-token-runtime" serve >/dev/null 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$RUNTIME_PORT/readyz"

started_port=""
start_gateway() {  # $1 = on|off; sets started_port
    local port
    port=$(free_port)
    GATEWAY_ENV=dev GATEWAY_HOST=127.0.0.1 GATEWAY_PORT=$port GATEWAY_TOKEN_RUNTIME_URL="http://127.0.0.1:$RUNTIME_PORT" \
        GATEWAY_TOKEN_RUNTIME_SECRET=$SECRET GATEWAY_PROVIDERS_FILE="$root/config/providers.mock.json" \
        GATEWAY_REVOCATION_STREAM=$1 GATEWAY_LOG_LEVEL=error "$bin/gateway" serve >/dev/null 2>&1 &
    pids+=($!)
    wait_ready "http://127.0.0.1:$port/healthz"
    for _ in $(seq 1 100); do
        [ "$1" = off ] && break
        curl -fsS "http://127.0.0.1:$port/readyz" | grep -q '"revocation_stream":"connected"' && break
        sleep 0.05
    done
    started_port=$port
}

start_gateway on
GATEWAY_ON=$started_port
on=$(RUNTIME_PORT=$RUNTIME_PORT GATEWAY_PORT=$GATEWAY_ON ADMIN_KEY=$ADMIN COUNT=$COUNT python3 bench/revocation_propagation.py)
load_on=$(RUNTIME_PORT=$RUNTIME_PORT GATEWAY_PORT=$GATEWAY_ON ADMIN_KEY=$ADMIN python3 bench/hit_ratio_under_revocations.py)

start_gateway off
GATEWAY_OFF=$started_port
# With the stream off a revoked token works until its 30 s active TTL ends: measure a few only.
off=$(RUNTIME_PORT=$RUNTIME_PORT GATEWAY_PORT=$GATEWAY_OFF ADMIN_KEY=$ADMIN COUNT=${COUNT_OFF:-3} python3 bench/revocation_propagation.py)
load_off=$(RUNTIME_PORT=$RUNTIME_PORT GATEWAY_PORT=$GATEWAY_OFF ADMIN_KEY=$ADMIN python3 bench/hit_ratio_under_revocations.py)

cat <<MD
### Revocation propagation ($(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), release build, $(nproc) cores)

Time from the admin revoke call's answer to the gateway's first 401 for that token (the token had
been used once, so the gateway held it as active for its default 30 s TTL).

| stream | revocations | p50 | p90 | p99 | max | refused on first request |
| --- | --- | --- | --- | --- | --- | --- |
| on  | $(echo "$on" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" | ".join([str(d["revocations"]), "%.2f ms"%d["p50_ms"], "%.2f ms"%d["p90_ms"], "%.2f ms"%d["p99_ms"], "%.2f ms"%d["max_ms"], str(d["refused_on_first_request"])]))') |
| off | $(echo "$off" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" | ".join([str(d["revocations"]), "%.0f ms"%d["p50_ms"], "%.0f ms"%d["p90_ms"], "%.0f ms"%d["p99_ms"], "%.0f ms"%d["max_ms"], str(d["refused_on_first_request"])]))') |

Cache hit ratio of a steady load (50 cached tokens, 3,000 requests) while 200 other cached tokens
are revoked and retried, from the gateway's own hit/miss counters:

| stream | requests | hit ratio | revoked tokens refused on their next request |
| --- | --- | --- | --- |
| on  | $(echo "$load_on" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%d | %.4f | %d" % (d["requests"], d["hit_ratio"], d["revoked_tokens_refused_at_once"]))') |
| off | $(echo "$load_off" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%d | %.4f | %d" % (d["requests"], d["hit_ratio"], d["revoked_tokens_refused_at_once"]))') |
MD
