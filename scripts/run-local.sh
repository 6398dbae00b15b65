#!/usr/bin/env bash
# Builds and starts platform-token-runtime locally (dev mode, in-memory store), issues a token
# and prints ready-to-paste curl commands. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi

RUNTIME_PORT=${TOKEN_RUNTIME_PORT:-18081}
export TOKEN_RUNTIME_ENV=${TOKEN_RUNTIME_ENV:-dev}
export TOKEN_RUNTIME_ADMIN_KEY=${TOKEN_RUNTIME_ADMIN_KEY:-local-admin-key-change-me}
export TOKEN_RUNTIME_INTROSPECTION_SECRET=${TOKEN_RUNTIME_INTROSPECTION_SECRET:-local-introspection-secret-change-me}
export TOKEN_RUNTIME_PORT=$RUNTIME_PORT

echo "building (first build takes several minutes)..."
swift build --product platform-token-runtime >/dev/null
bin=$(swift build --show-bin-path)

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$bin/platform-token-runtime" serve &
pids+=($!)
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$RUNTIME_PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$RUNTIME_PORT/readyz" >/dev/null

token=$("$bin/platform-token-runtime" token issue --url "http://127.0.0.1:$RUNTIME_PORT" --subject local-dev --ttl 24h 2>/dev/null)
cat <<MSG

platform-token-runtime is running on http://127.0.0.1:$RUNTIME_PORT (dev, in-memory store).
A token for subject "local-dev" (shown once): $token

Introspect it:
  curl -s -X POST http://127.0.0.1:$RUNTIME_PORT/v1/introspect \\
    -H 'Authorization: Bearer $TOKEN_RUNTIME_INTROSPECTION_SECRET' \\
    -d 'token=$token'

Press Ctrl-C to stop.
MSG
wait
