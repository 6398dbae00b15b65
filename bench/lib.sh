# Shared by the bench scripts (source it after `cd` to the repository root): release binaries in
# $bin, a scratch folder $work and the processes in $pids, both cleaned up on exit, free ports
# and readiness polling. Env: SCRATCH (.build-release), SKIP_BUILD=1, BIN (binaries built elsewhere).
# Needs `log` defined first.
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
SCRATCH=${SCRATCH:-.build-release}

if [ "${SKIP_BUILD:-0}" != 1 ] && [ -z "${BIN:-}" ]; then
    log "building release binaries"
    swift build -c release --scratch-path "$SCRATCH" --product gateway >/dev/null
    swift build -c release --scratch-path "$SCRATCH" --product platform-token-runtime >/dev/null
fi
bin=${BIN:-$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)}

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

ADMIN=bench-admin-key-0123456789
SECRET=bench-introspection-secret-0123

# platform-token-runtime (dev, memory store) on a free port: $RT.
start_runtime() {
    RT=$(free_port)
    TOKEN_RUNTIME_ENV=dev TOKEN_RUNTIME_ADMIN_KEY=$ADMIN TOKEN_RUNTIME_INTROSPECTION_SECRET=$SECRET TOKEN_RUNTIME_PORT=$RT \
        TOKEN_RUNTIME_LOG_LEVEL=error "$bin/platform-token-runtime" serve >/dev/null 2>&1 &
    pids+=($!)
    wait_ready "http://127.0.0.1:$RT/readyz"
}

# $work/providers.json: one openai-type provider "up" at 127.0.0.1:$1 serving mock-echo; $2: its timeout.
write_providers() {
    echo "{\"providers\":[{\"name\":\"up\",\"type\":\"openai\",\"base_url\":\"http://127.0.0.1:$1\",\"models\":[\"mock-echo\"],\"timeout\":\"${2:-30s}\"}]}" \
        > "$work/providers.json"
}

# The gateway (remote introspection against $RT, $work/providers.json) on a free port: $GW, $GATEWAY_PID.
# Arguments: extra VAR=value settings.
start_gateway() {
    GW=$(free_port)
    env GATEWAY_ENV=dev GATEWAY_HOST=127.0.0.1 GATEWAY_PORT=$GW GATEWAY_TOKEN_RUNTIME_URL="http://127.0.0.1:$RT" \
        GATEWAY_TOKEN_RUNTIME_SECRET=$SECRET GATEWAY_PROVIDERS_FILE="$work/providers.json" GATEWAY_LOG_LEVEL=error \
        "$@" "$bin/gateway" serve >/dev/null 2>&1 &
    GATEWAY_PID=$!
    pids+=($GATEWAY_PID)
    wait_ready "http://127.0.0.1:$GW/healthz"
}

# A token issued by the runtime: $TOKEN.
issue_token() {
    TOKEN=$(curl -fsS -X POST "http://127.0.0.1:$RT/v1/tokens" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
        -d '{"subject":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
}

# Installs what is missing, as root with apt: arguments are command:package pairs (wrk:wrk nginx:nginx-light).
need() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] || missing+=("${pair##*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        log "missing: ${missing[*]}"; exit 1
    fi
}

# CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# One key's value from a RESULT line (bench/result.lua): field "$line" rps.
field() { echo "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }

# nginx (1 worker, in the foreground, stopped on exit) with the given http-level blocks: $1 a name
# for its folder under $work, $2 the blocks. Needs `need nginx:nginx-light` first.
start_nginx() {
    local nginx
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
    mkdir -p "$work/$1/logs"
    cat > "$work/$1/nginx.conf" <<NGX
worker_processes 1;
pid $work/$1/nginx.pid;
error_log $work/$1/logs/error.log error;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    $2
}
NGX
    "$nginx" -p "$work/$1" -c "$work/$1/nginx.conf" -g 'daemon off;' &
    pids+=($!)
}

# A fast upstream: nginx answering the Swift mock's canned chat answer on $UPP and its canned event
# stream on $UPS from `return` directives, so that what a proxy in front of it costs shows.
start_fast_upstream() {
    local mock mock_pid answer stream
    mock=$(free_port)
    "$bin/gateway" mock-upstream --port "$mock" --models mock-echo --canned >/dev/null 2>&1 &
    mock_pid=$!
    pids+=($mock_pid)
    wait_ready "http://127.0.0.1:$mock/healthz"
    canned() {
        curl -fsS "http://127.0.0.1:$mock/v1/chat/completions" -H 'Content-Type: application/json' \
            -d "{\"model\":\"mock-echo\",\"stream\":$1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
    }
    answer=$(canned false)
    # `$(...)` drops the stream's closing blank line; an SSE stream ends with one.
    stream="$(canned true)"$'\n\n'
    kill "$mock_pid"
    case "$answer$stream" in *"'"* | *'\'*) log "a canned body has a quote or backslash nginx would mangle"; exit 1 ;; esac
    UPP=$(free_port)
    UPS=$(free_port)
    start_nginx upstream "
    server { listen 127.0.0.1:$UPP; location / { default_type application/json; return 200 '$answer'; } }
    server { listen 127.0.0.1:$UPS; location / { default_type text/event-stream; return 200 '$stream'; } }"
    wait_ready "http://127.0.0.1:$UPP/"
}

# nginx `proxy_pass` (1 worker, keep-alive upstream pool of 64) in front of start_fast_upstream's
# upstreams: the plain answer on $NGP, the event stream on $NGS.
start_nginx_proxy() {
    NGP=$(free_port)
    NGS=$(free_port)
    start_nginx proxy "
    upstream plain { server 127.0.0.1:$UPP; keepalive 64; }
    upstream stream { server 127.0.0.1:$UPS; keepalive 64; }
    server { listen 127.0.0.1:$NGP; location / { proxy_pass http://plain; proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_buffering off; } }
    server { listen 127.0.0.1:$NGS; location / { proxy_pass http://stream; proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_buffering off; } }"
    wait_ready "http://127.0.0.1:$NGP/"
}
