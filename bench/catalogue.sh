#!/usr/bin/env bash
# Catalogue load benchmark (docs/PERFORMANCE.md, "Catalogue"): seeds a large catalogue into a
# fresh database, starts the release server, and measures GET /health, one need by id, a
# filtered list, a free-text search and the candidates of a need (as the demo coordinator)
# at 32 connections, as ratios to /health in one run.
#
#   bench/catalogue.sh                      SQLite; PostgreSQL too when BENCH_POSTGRES_URL or
#                                           CLEARINGHOUSE_TEST_POSTGRES_URL names a server
#   BENCH_NEEDS=10000 BENCH_OFFERS=2000 BENCH_SECONDS=5 bench/catalogue.sh   a quicker run
#   BENCH_ENGINES=postgres bench/catalogue.sh                                  one engine only
#
# Every database it creates (a temporary SQLite file, a PostgreSQL database) is removed at
# the end. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

NEEDS="${BENCH_NEEDS:-100000}"
OFFERS="${BENCH_OFFERS:-20000}"
SECONDS_PER_SCENARIO="${BENCH_SECONDS:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
POSTGRES_ADMIN_URL="${BENCH_POSTGRES_URL:-${CLEARINGHOUSE_TEST_POSTGRES_URL:-}}"
TARGET="${CARGO_TARGET_DIR:-target}"

echo "==> cargo build --release (server and load generator)"
cargo build --release --quiet --bin clearinghouse --example load
WORK="$(mktemp -d)"
# Copies, so that another build sharing the target folder cannot swap them mid-run.
cp "$TARGET/release/clearinghouse" "$TARGET/release/examples/load" "$WORK/"
BIN="$WORK/clearinghouse"
LOAD="$WORK/load"

SERVER_PID=""
PG_DATABASE=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    if [[ -n "$PG_DATABASE" ]]; then psql -q "$POSTGRES_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DATABASE WITH (FORCE)" || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"

# run_engine NAME DATABASE_URL
run_engine() {
    local name="$1" url="$2"
    local data="$WORK/$name"
    mkdir -p "$data"
    export DATABASE_URL="$url"
    export CLEARINGHOUSE_DATA_DIR="$data"
    export CLEARINGHOUSE_JWT_SECRET="bench-secret-bench-secret-bench-secret-00"
    export RUST_LOG=warn
    export CLEARINGHOUSE_PUBLIC_URL=http://127.0.0.1/
    echo
    echo "==> $name: seed-demo --needs $NEEDS --offers $OFFERS"
    /usr/bin/time -f "    seeding took %e s, max RSS %M KiB" "$BIN" seed-demo --needs "$NEEDS" --offers "$OFFERS"
    echo "==> $name: serving"
    CLEARINGHOUSE_LISTEN=127.0.0.1:0 "$BIN" serve >"$data/server.out" 2>"$data/server.err" &
    SERVER_PID=$!
    local address=""
    for _ in $(seq 1 100); do
        address="$(grep -o 'http://127.0.0.1:[0-9]*' "$data/server.out" | head -n 1 || true)"
        [[ -n "$address" ]] && break
        sleep 0.1
    done
    if [[ -z "$address" ]]; then
        echo "the server did not start:"; cat "$data/server.err"; exit 1
    fi
    "$LOAD" --base "$address" --connections "$CONNECTIONS" --seconds "$SECONDS_PER_SCENARIO"
    echo "    server RSS after the run: $(ps -o rss= -p "$SERVER_PID") KiB"
    kill "$SERVER_PID"; wait "$SERVER_PID" || true
    SERVER_PID=""
}

ENGINES="${BENCH_ENGINES:-sqlite postgres}"

if [[ " $ENGINES " == *" sqlite "* ]]; then
    run_engine sqlite "sqlite://$WORK/sqlite/bench.db"
fi

if [[ " $ENGINES " != *" postgres "* ]]; then
    :
elif [[ -n "$POSTGRES_ADMIN_URL" ]]; then
    command -v psql >/dev/null || { echo "psql is needed to create the PostgreSQL database"; exit 1; }
    PG_DATABASE="ch_bench_$$"
    psql -q "$POSTGRES_ADMIN_URL" -c "CREATE DATABASE $PG_DATABASE"
    # The admin URL ends in a database name (postgres://user@host:port/db): swap it for ours.
    pg_url="${POSTGRES_ADMIN_URL%/*}/$PG_DATABASE"
    run_engine postgres "$pg_url"
    psql -q "$POSTGRES_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DATABASE WITH (FORCE)"
    PG_DATABASE=""
else
    echo
    echo "(PostgreSQL skipped: set BENCH_POSTGRES_URL or CLEARINGHOUSE_TEST_POSTGRES_URL to an admin URL)"
fi
