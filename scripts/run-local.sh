#!/usr/bin/env bash
# Builds and starts platform-token-runtime and the gateway locally (dev; remote_introspection mode,
# exactly as in production), issues a token through the runtime's admin API and prints a curl and an
# OpenAI-SDK snippet. Uses the built-in mock provider unless OPENAI_API_KEY is set, in which case
# the real OpenAI provider (OPENAI_BASE_URL, OPENAI_MODELS) is used. Ctrl-C stops both services.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi

RUNTIME_PORT=${TOKEN_RUNTIME_PORT:-18081}
GATEWAY_PORT=${GATEWAY_PORT:-8080}
export TOKEN_RUNTIME_ENV=${TOKEN_RUNTIME_ENV:-dev}
export TOKEN_RUNTIME_ADMIN_KEY=${TOKEN_RUNTIME_ADMIN_KEY:-local-admin-key-change-me}
export TOKEN_RUNTIME_INTROSPECTION_SECRET=${TOKEN_RUNTIME_INTROSPECTION_SECRET:-local-introspection-secret-change-me}

echo "building (the first build takes several minutes)..."
swift build --product platform-token-runtime >/dev/null
swift build --product gateway >/dev/null
bin=$(swift build --show-bin-path)

pids=()
cleanup() {
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_ready() {
    for _ in $(seq 1 100); do
        curl -fsS "$1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "not ready: $1" >&2
    exit 1
}

TOKEN_RUNTIME_PORT=$RUNTIME_PORT "$bin/platform-token-runtime" serve &
pids+=($!)
wait_ready "http://127.0.0.1:$RUNTIME_PORT/readyz"

if [ -n "${OPENAI_API_KEY:-}" ]; then
    provider="OpenAI (${OPENAI_BASE_URL:-https://api.openai.com})"
    model=$(echo "${OPENAI_MODELS:-gpt-4o-mini}" | cut -d, -f1)
    providers_file=""
else
    provider="the built-in mock provider (set OPENAI_API_KEY to use OpenAI)"
    model=mock-echo
    providers_file=$(pwd)/config/providers.mock.json
fi

GATEWAY_ENV=dev GATEWAY_HOST=127.0.0.1 GATEWAY_PORT=$GATEWAY_PORT \
GATEWAY_TOKEN_RUNTIME_MODE=remote_introspection \
GATEWAY_TOKEN_RUNTIME_URL="http://127.0.0.1:$RUNTIME_PORT" \
GATEWAY_TOKEN_RUNTIME_SECRET="$TOKEN_RUNTIME_INTROSPECTION_SECRET" \
GATEWAY_PROVIDERS_FILE="$providers_file" \
    "$bin/gateway" serve &
pids+=($!)
wait_ready "http://127.0.0.1:$GATEWAY_PORT/healthz"

token=$("$bin/platform-token-runtime" token issue --url "http://127.0.0.1:$RUNTIME_PORT" --subject local-dev --ttl 24h 2>/dev/null)
cat <<MSG

Running (dev):
  platform-token-runtime  http://127.0.0.1:$RUNTIME_PORT   (in-memory store)
  gateway                 http://127.0.0.1:$GATEWAY_PORT    (remote_introspection, $provider)

A token for subject "local-dev" (shown once):
  export TOKEN=$token

Try it:
  curl -s http://127.0.0.1:$GATEWAY_PORT/v1/chat/completions \\
    -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
    -d '{"model": "$model", "messages": [{"role": "user", "content": "hello"}]}'

Or with the OpenAI Python SDK:
  from openai import OpenAI
  client = OpenAI(base_url="http://127.0.0.1:$GATEWAY_PORT/v1", api_key="$token")
  print(client.chat.completions.create(model="$model", messages=[{"role": "user", "content": "hello"}]).choices[0].message.content)

Admin: TOKEN_RUNTIME_ADMIN_KEY=$TOKEN_RUNTIME_ADMIN_KEY $bin/platform-token-runtime token list
Press Ctrl-C to stop.
MSG
wait
