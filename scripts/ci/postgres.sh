#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests: its own cluster in a temporary folder, on a free
# 127.0.0.1 port, with password (SCRAM) authentication.
#
#   eval "$(bash scripts/ci/postgres.sh start)"   # prints: export LJQ_TEST_DATABASE_URL=postgres://...
#   bash scripts/ci/postgres.sh stop               # stops it and removes its folder
#
# Commands (NAME picks one of several independent clusters; default "default"):
#   start [NAME]         create the cluster if needed, start it, print the exports (idempotent)
#   stop [NAME]          stop the server and remove the folder (idempotent)
#   stop-server [NAME]   stop the server, keep the data (tests use this to simulate an outage)
#   start-server [NAME]  start a stopped server again, same port, same data
#   restart [NAME]       stop-server, then start-server
#   url [NAME]           print the database URL of a created cluster
#   stop-all             stop and remove every cluster this checkout created
#
# Clusters live in ${LJQ_PG_ROOT:-/tmp}/ljq-pg-<checkout>-<NAME>, keyed by the checkout's path, so
# two checkouts on one machine never share (or stop) each other's servers. Safe as root: the server
# runs as the unprivileged `postgres` user (created if missing), because initdb refuses root.
# Installs the `postgresql` package with apt when no server binaries are found (root only).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
key=$(printf '%s' "$repo" | cksum | cut -d' ' -f1)
root=${LJQ_PG_ROOT:-/tmp}
prefix="$root/ljq-pg-$key-"

die() { echo "postgres.sh: $*" >&2; exit 1; }

find_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        [ -x "$dir/initdb" ] && { echo "$dir"; return; }
    fi
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && { echo "$dir"; return; }
    dir=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
    return 1
}

bindir() {
    local dir
    if dir=$(find_bindir); then echo "$dir"; return; fi
    [ "$(id -u)" = 0 ] || die "no PostgreSQL server binaries found and not root: install the postgresql package"
    echo "postgres.sh: installing postgresql with apt" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >/dev/null
    find_bindir || die "postgresql installed, but initdb was not found"
}

# The user the server runs as: ourselves, unless we are root.
server_user() {
    if [ "$(id -u)" != 0 ]; then id -un; return; fi
    if ! id postgres >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin postgres >&2
    fi
    echo postgres
}

# Runs a command as the server user.
as_server() {
    local user=$1; shift
    if [ "$(id -un)" = "$user" ]; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u "$user" -- "$@"
    else
        su -s /bin/sh "$user" -c "$(printf '%q ' "$@")"
    fi
}

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
    die "no free port found"
}

check_name() {
    [[ "$1" =~ ^[A-Za-z0-9_-]+$ ]] || die "invalid cluster name \"$1\" (letters, digits, _ and - only)"
}

load_state() {
    local dir=$1
    [ -f "$dir/state.env" ] || return 1
    # shellcheck disable=SC1091
    . "$dir/state.env"
}

url_of() { echo "postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DATABASE"; }

is_running() {
    as_server "$PG_OWNER" "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

start_server() {
    local dir=$1
    load_state "$dir" || die "no cluster in $dir; run start first"
    if is_running; then return; fi
    # A stale pid file from a killed server would make pg_ctl refuse to start.
    rm -f "$PG_DATA/postmaster.pid"
    as_server "$PG_OWNER" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/server.log" -w -t 60 start >/dev/null ||
        { tail -n 20 "$dir/server.log" >&2 || true; die "the server did not start; log: $dir/server.log"; }
}

stop_server() {
    local dir=$1
    load_state "$dir" || return 0
    if is_running; then
        as_server "$PG_OWNER" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
    fi
}

create() {
    local dir=$1 bin owner password port
    bin=$(bindir)
    owner=$(server_user)
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    port=$(free_port)
    rm -rf "$dir"
    mkdir -p "$dir"
    printf '%s\n' "$password" >"$dir/password"
    chown -R "$owner" "$dir"
    chmod 700 "$dir"
    as_server "$owner" "$bin/initdb" -D "$dir/data" -U ljq --pwfile="$dir/password" -E UTF8 --locale=C \
        --auth-host=scram-sha-256 --auth-local=trust --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    rm -f "$dir/password"
    cat >>"$dir/data/postgresql.conf" <<CONF
# throwaway test cluster (scripts/ci/postgres.sh)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    cat >"$dir/state.env" <<STATE
PG_BIN='$bin'
PG_OWNER='$owner'
PG_DATA='$dir/data'
PG_PORT='$port'
PG_USER='ljq'
PG_PASSWORD='$password'
PG_DATABASE='ljq_test'
STATE
    chown "$owner" "$dir/state.env"
    start_server "$dir"
    as_server "$owner" "$bin/createdb" -h "$dir" -p "$port" -U ljq ljq_test
}

cmd=${1:-}
name=${2:-default}
case "$cmd" in
start | stop | stop-server | start-server | restart | url) check_name "$name" ;;
esac
dir="$prefix$name"

case "$cmd" in
start)
    if load_state "$dir" 2>/dev/null && [ -d "$PG_DATA" ]; then
        start_server "$dir"
    else
        create "$dir" >&2
    fi
    load_state "$dir"
    echo "export LJQ_TEST_DATABASE_URL=$(url_of)"
    echo "export LJQ_TEST_PG_DATA=$PG_DATA"
    echo "export LJQ_TEST_PG_NAME=$name"
    ;;
stop)
    stop_server "$dir"
    rm -rf "$dir"
    ;;
stop-server)
    stop_server "$dir"
    ;;
start-server)
    start_server "$dir"
    ;;
restart)
    stop_server "$dir"
    start_server "$dir"
    ;;
url)
    load_state "$dir" || die "no cluster named $name"
    url_of
    ;;
stop-all)
    for each in "$prefix"*; do
        [ -d "$each" ] || continue
        stop_server "$each" || true
        rm -rf "$each"
    done
    ;;
*)
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
