#!/usr/bin/env bash
# The admin console's API on PostgreSQL with 100,000 tokens and a month of hourly rollups (issue 16):
# seeds a throwaway cluster (bench/console_seed.sql), starts a release runtime on it, and times every
# call the Tokens, Usage and Token detail pages make (bench/console_api.py). Target: p95 < 200 ms.
# Prints a markdown section on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '%s\n' "$*" >&2; }
source bench/lib.sh
cluster=console-bench
trap 'cleanup; bash scripts/ci/postgres.sh stop "$cluster" >/dev/null 2>&1 || true' EXIT INT TERM
eval "$(bash scripts/ci/postgres.sh start "$cluster")"
db=$LJQ_TEST_DATABASE_URL
psql=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -1)

RT=$(free_port)
log "runtime on PostgreSQL (migrates the schema)"
TOKEN_RUNTIME_ENV=dev TOKEN_RUNTIME_STORE=postgres TOKEN_RUNTIME_DATABASE_URL=$db TOKEN_RUNTIME_ADMIN_KEY=$ADMIN \
    TOKEN_RUNTIME_INTROSPECTION_SECRET=$SECRET TOKEN_RUNTIME_PORT=$RT TOKEN_RUNTIME_LOG_LEVEL=error \
    "$bin/platform-token-runtime" serve >"$work/runtime.log" 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$RT/readyz"

log "seeding 100,000 tokens and 1,440,000 hourly rollups"
seed_start=$(date +%s)
counts=$("$psql" "$db" -X -q -A -t -v now="$(date +%s)" -f bench/console_seed.sql)
seed_seconds=$(( $(date +%s) - seed_start ))
log "seeded ($counts) in ${seed_seconds}s"

commit=$(git rev-parse --short HEAD)
build=${BIN:+"binaries in $BIN"}
build=${build:-release build}
cat <<MD
### Admin console API on PostgreSQL (issue 16; $(date -u +%F), commit $commit, $build, $(nproc) cores)

\`bash bench/console.sh\`: PostgreSQL $("$psql" --version | awk '{print $3}') (a throwaway cluster, default settings) holding
100,000 tokens (5,000 subjects, 40 clients, 1 % revoked, 10 % expired) and a month of hourly rollups
(the newest 1,000 tokens, every hour of 30 days, 2 models: 1,440,000 rows; tokens|rollups: $counts); the
runtime on it. Each call: 3 warm-up requests, then 30 in a row on one keep-alive connection
with the admin key; "rows" is the answer's. The page rows time the page's calls made at once, as the
page makes them. Target: under 200 ms.

MD
python3 bench/console_api.py "http://127.0.0.1:$RT" "$ADMIN"
