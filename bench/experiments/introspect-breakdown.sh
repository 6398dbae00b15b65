#!/usr/bin/env bash
# Where the runtime's CPU per introspection goes, by subtraction: the server pinned to core 0, wrk
# (2 threads, 16 connections) on core 1, and for each request kind the server's CPU time per request
# (user + system, /proc/<pid>/stat), the lowest of RUNS (3) runs of DURATION (5s):
#   GET /healthz                       router, middleware, a tiny JSONEncoder answer, HTTP/1.1 and TCP
#   POST /v1/introspect, malformed     + caller auth, body collection, form decoding, a short answer
#   POST /v1/introspect, active token  + format check, SHA-256, store, claims, the full JSON answer
# and, when nginx is installed, a calibration of the machine: one nginx worker, pinned the same way,
# answering the same POST with the same JSON bytes from its configuration (HTTP and TCP cost only).
# RUNTIME_BINARY=path measures another build (e.g. bench/experiments/executor-takeover). Prints markdown.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
SCRATCH=${SCRATCH:-.build-release}
DURATION=${DURATION:-5s}
RUNS=${RUNS:-3}
command -v wrk >/dev/null 2>&1 || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "needs 2 cores" >&2; exit 1; }
if [ -z "${RUNTIME_BINARY:-}" ]; then
    [ "${SKIP_BUILD:-0}" = 1 ] || swift build -c release --scratch-path "$SCRATCH" --product platform-token-runtime >&2
    RUNTIME_BINARY="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/platform-token-runtime"
fi
ADMIN=bench-admin-key-0123456789
SECRET=bench-introspection-secret-0123
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
TOKEN_RUNTIME_ENV=dev TOKEN_RUNTIME_ADMIN_KEY=$ADMIN TOKEN_RUNTIME_INTROSPECTION_SECRET=$SECRET TOKEN_RUNTIME_HOST=127.0.0.1 \
    TOKEN_RUNTIME_PORT=$port TOKEN_RUNTIME_LOG_LEVEL=error taskset -c 0 "$RUNTIME_BINARY" serve >/dev/null 2>&1 &
pid=$!
nginx_pid=""
work=$(mktemp -d)
cleanup() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 200); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.05; done
token=$(curl -fsS -X POST "http://127.0.0.1:$port/v1/tokens" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"subject": "bench-user", "ttl_seconds": 3600, "scopes": ["chat", "embeddings"], "client_id": "bench"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

cpu_of() {  # utime + stime ticks of $1 and its children processes (nginx: master + worker)
    local total=0 p
    for p in $1 $(pgrep -P "$1" || true); do total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat"))); done
    echo "$total"
}

measure() {  # $1 label, $2 method, $3 path, $4 token, [$5 port, $6 pid]. Prints a row for the cheapest run.
    local best="" run s0 s1 line target_port=${5:-$port} target_pid=${6:-$pid}
    for run in $(seq 1 "$RUNS"); do
        s0=$(cpu_of "$target_pid")
        line=$(INTROSPECT_METHOD=$2 INTROSPECT_TOKEN=$4 INTROSPECT_SECRET=$SECRET taskset -c 1 \
            wrk -t2 -c16 -d"$DURATION" -s bench/introspect.lua "http://127.0.0.1:$target_port$3" | grep '^RESULT')
        s1=$(cpu_of "$target_pid")
        best=$(python3 - "$line" "$s0" "$s1" "$(getconf CLK_TCK)" "$best" <<'PY'
import sys
line, s0, s1, hz, best = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
f = dict(p.split("=", 1) for p in line.split()[1:])
cpu = (s1 - s0) / hz * 1e6 / max(1.0, float(f["requests"]))
status_errors = int(f["errors_status"])
current = (cpu, float(f["rps"]), status_errors)
if best:
    b = best.split(",")
    if float(b[0]) <= cpu: current = (float(b[0]), float(b[1]), int(b[2]))
print(f"{current[0]:.1f},{current[1]:.0f},{current[2]}")
PY
)
    done
    IFS=, read -r cpu rps errors <<<"$best"
    echo "| $1 | $rps | $cpu µs | $errors |"
}

echo "### Introspection CPU breakdown ($(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), $(basename "$RUNTIME_BINARY")${BENCH_EXECUTOR_TAKEOVER:+, BENCH_EXECUTOR_TAKEOVER=$BENCH_EXECUTOR_TAKEOVER})"
echo
echo "Server on core 0, wrk (2 threads, 16 connections) on core 1; lowest server CPU per request of $RUNS runs of $DURATION."
echo
echo "| request | req/s | server CPU / request | non-2xx |"
echo "| --- | --- | --- | --- |"
measure "GET /healthz" GET /healthz x
measure "POST /v1/introspect, malformed token" POST /v1/introspect ljq_malformed
measure "POST /v1/introspect, active token" POST /v1/introspect "$token"

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ -x "$NGINX" ]; then
    answer=$(curl -fsS -X POST "http://127.0.0.1:$port/v1/introspect" -H "Authorization: Bearer $SECRET" -d "token=$token")
    nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    mkdir -p "$work/logs"
    cat >"$work/nginx.conf" <<NGX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log error;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/body;
    server {
        listen 127.0.0.1:$nginx_port;
        location /v1/introspect {
            default_type application/json;
            add_header Cache-Control no-store;
            return 200 '$answer';
        }
    }
}
NGX
    taskset -c 0 "$NGINX" -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
    nginx_pid=$!
    for _ in $(seq 1 100); do curl -fsS -X POST "http://127.0.0.1:$nginx_port/v1/introspect" -d x >/dev/null 2>&1 && break; sleep 0.05; done
    measure "nginx 1 worker, same POST, same answer bytes (calibration)" POST /v1/introspect "$token" "$nginx_port" "$nginx_pid"
fi
