#!/usr/bin/env bash
# The single read beside its peer (docs/PERFORMANCE.md, "Need by id beside the TechEmpower
# actix entry"; issue 13 item 5): our need by id against the `/db` read of the TechEmpower
# FrameworkBenchmarks actix entry (`frameworks/Rust/actix`, binary `tfb-web-diesel`: sync
# diesel on one connection per actor thread, a random row of 10,000 by primary key), both on
# the same PostgreSQL server, with the same wrk (2 threads, 32 connections, every answer a
# 200), in turns: ours, the peer, ours, the peer. Prints each rate, p50 and p99, and ours as a
# ratio of the peer's, from the mean of the turns.
#
#   BENCH_PEER_BIN=/path/to/tfb-web-diesel BENCH_DATABASE_URL=postgres://.../plan100k \
#       bench/peer.sh
#
# BENCH_DATABASE_URL names a PostgreSQL database that `seed-demo` filled (the size is the
# run's: 100,000 needs for the issue's figure); it is read, not changed. The peer is not
# built here: it is another project's code. Build it beside ours from a checkout of
# FrameworkBenchmarks (`cargo build --release --bin tfb-web-diesel` in frameworks/Rust/actix;
# it needs cmake for its allocator), give it the database its toolset creates
# (toolset/databases/postgres/create-postgres.sql in a database `hello_world` owned by
# `benchmarkdbuser`/`benchmarkdbpass`), and make its host name `tfb-database` resolve to
# this machine (a line in /etc/hosts): it listens on port 8080, as its code says.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

: "${BENCH_PEER_BIN:?set BENCH_PEER_BIN to the tfb-web-diesel binary}"
: "${BENCH_DATABASE_URL:?set BENCH_DATABASE_URL to a seeded PostgreSQL database}"
bench_start 32 --bin clearinghouse
source bench/wrk/rate.sh
echo "started $(date -u +%FT%TZ), load average $(load_average)"

PEER_PID=""
stop_peer() {
    if [[ -n "$PEER_PID" ]]; then
        kill "$PEER_PID" 2>/dev/null || true
        wait "$PEER_PID" 2>/dev/null || true
    fi
    PEER_PID=""
}
trap 'stop_peer; bench_cleanup' EXIT

bench_environment "$BENCH_DATABASE_URL" "$WORK/data"
psql -qAt "$BENCH_DATABASE_URL" -c \
    "SELECT '/api/v1/needs/' || id FROM needs WHERE status = 'open' AND visibility = 'public' ORDER BY id LIMIT 2000" \
    >"$WORK/need.txt"
[[ -s "$WORK/need.txt" ]] || { echo "no public open needs: was the database seeded?"; exit 1; }
echo "    $(wc -l <"$WORK/need.txt") need ids"

ours_turn() {
    bench_serve "$WORK"
    sleep 1
    rate "ours-$1" "$BASE" bench/wrk/paths.lua "$WORK/need.txt"
    bench_stop_server
}

peer_turn() {
    "$BENCH_PEER_BIN" >"$WORK/peer.out" 2>&1 &
    PEER_PID=$!
    for _ in $(seq 1 100); do
        curl -sf http://127.0.0.1:8080/db >/dev/null && break
        sleep 0.1
    done
    rate "peer-$1" "http://127.0.0.1:8080/db"
    stop_peer
}

ours1="$(ours_turn 1)"; peer1="$(peer_turn 1)"; ours2="$(ours_turn 2)"; peer2="$(peer_turn 2)"

row() {
    local name="$1" value="$2" file="$3"
    printf '%-28s %10.0f %9s %9s\n' "$name" "$value" \
        "$(awk '/ 50%/ {print $2}' "$WORK/$file.out")" "$(awk '/ 99%/ {print $2}' "$WORK/$file.out")"
}
echo
printf '%-28s %10s %9s %9s\n' "read" "req/s" "p50" "p99"
row "need by id (ours), turn 1" "$ours1" ours-1
row "peer /db, turn 1" "$peer1" peer-1
row "need by id (ours), turn 2" "$ours2" ours-2
row "peer /db, turn 2" "$peer2" peer-2
python3 -c "print('ours / peer: %.2f (aim >= 0.8)' % (($ours1 + $ours2) / ($peer1 + $peer2)))"
echo "load average after $(load_average)"
