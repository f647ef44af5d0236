#!/usr/bin/env bash
# The write path under load (docs/PERFORMANCE.md, "Writes"; issue 13 item 7): for each engine,
# seeds a catalogue (BENCH_WRITE_NEEDS needs, 10,000 by default, one offer for five needs)
# into a fresh database, starts the release server, signs in as a demo hospital's admin and
# measures with wrk at 8 connections (BENCH_CONNECTIONS), every answer checked:
#   GET /health (the baseline, at the same connections),
#   POST /api/v1/needs, a draft need a request (each a 201),
#   POST /api/v1/needs/{id}/publish, each of the drafts just created once (each a 200:
#   publishing also finds and announces the need's candidates, in the same transaction),
# as writes per second and as a ratio to /health. The publish run lasts half as long as the
# create run, so that it cannot run out of drafts unless publishing is twice as fast as
# creating (it then fails with 409s rather than measure them).
#
#   bench/writes.sh                          SQLite; PostgreSQL too when BENCH_POSTGRES_URL or
#                                            CLEARINGHOUSE_TEST_POSTGRES_URL names a server
#   BENCH_ENGINES=postgres BENCH_SECONDS=10 bench/writes.sh
#
# Every database it creates is removed at the end. Needs wrk, curl, python3, sqlite3 (and
# psql for PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

NEEDS="${BENCH_WRITE_NEEDS:-10000}"
bench_start 8 --bin clearinghouse
bench_require sqlite3
source bench/wrk/rate.sh
echo "started $(date -u +%FT%TZ), load average $(load_average)"

HOSPITAL_ADMIN="admin@riverside-nairobi.example"
TITLE="Benchmark write of a need"

RESULTS="$WORK/results.txt"
: >"$RESULTS"

# drafts ENGINE DATABASE_URL: the ids of the needs the create run posted, one a line.
drafts() {
    local query="SELECT id FROM needs WHERE status = 'draft' AND title = '$TITLE'"
    case "$1" in
        sqlite) sqlite3 -batch -list "${2#sqlite://}" "$query" ;;
        postgres) psql -qAt "$2" -c "$query" ;;
    esac
}

# run_one ENGINE DATABASE_URL
run_one() {
    local engine="$1" url="$2"
    local dir="$WORK/$engine"
    mkdir -p "$dir"
    bench_environment "$url" "$dir"
    echo
    echo "==> $engine: seed-demo --needs $NEEDS --offers $((NEEDS / 5))"
    "$BIN" seed-demo --needs "$NEEDS" --offers "$((NEEDS / 5))" >/dev/null
    bench_serve "$dir"
    local token
    token="$(curl -sf "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"email\":\"$HOSPITAL_ADMIN\",\"password\":\"clearinghouse-demo\"}" | json "['access_token']")"
    cat >"$dir/create.lua" <<LUA
wanted_status = 201
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"title": "$TITLE", "description": "A need the write benchmark posts, as a hospital would.",
  "themes": ["ransomware.backup_recovery", "workforce.awareness"], "country": "KE",
  "languages": ["en", "sw"], "delivery_modes": ["remote", "on_site"], "urgency": "high",
  "quantity": 20, "wanted_by": "$(date -u -d '+120 days' +%F)", "visibility": "public"}]]
LUA
    {
        printf 'wrk.method = "POST"\nwrk.body = "{}"\n'
        printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$token"
        printf 'wrk.headers["Content-Type"] = "application/json"\n'
        cat bench/wrk/paths.lua
    } >"$dir/publish.lua"

    local health create publish
    health="$(rate "$engine-health" "$BASE/health")"
    create="$(rate "$engine-create" "$BASE/api/v1/needs" "$dir/create.lua")"
    drafts "$engine" "$url" | sed 's|^|/api/v1/needs/|; s|$|/publish|' >"$dir/publish.txt"
    echo "    $(wc -l <"$dir/publish.txt") drafts to publish"
    publish="$(SECONDS_PER_SCENARIO=$(( (SECONDS_PER_SCENARIO + 1) / 2 )) \
        rate "$engine-publish" "$BASE" "$dir/publish.lua" "$dir/publish.txt")"
    bench_stop_server
    for row in "GET /health:$health:health" "create a need:$create:create" \
               "publish a need:$publish:publish"; do
        IFS=: read -r name value file <<<"$row"
        local out="$WORK/$engine-$file.out"
        printf '%-10s %-16s %10.0f %8.4f %9s %9s\n' "$engine" "$name" "$value" \
            "$(python3 -c "print($value / $health)")" \
            "$(awk '/ 50%/ {print $2}' "$out")" "$(awk '/ 99%/ {print $2}' "$out")" | tee -a "$RESULTS"
    done
}

ENGINES="${BENCH_ENGINES:-sqlite postgres}"
if [[ " $ENGINES " == *" sqlite "* ]]; then
    run_one sqlite "sqlite://$WORK/writes.db"
fi
if [[ " $ENGINES " == *" postgres "* ]]; then
    if [[ -n "$POSTGRES_ADMIN_URL" ]]; then
        db="bench_writes_$$"
        PG_DATABASES+=("$db")
        psql -q "$POSTGRES_ADMIN_URL" -c "CREATE DATABASE $db"
        pg_url="${POSTGRES_ADMIN_URL%/*}/$db"
        run_one postgres "$pg_url"
    else
        echo "(PostgreSQL skipped: set BENCH_POSTGRES_URL or CLEARINGHOUSE_TEST_POSTGRES_URL to an admin URL)"
    fi
fi

echo
echo "engine     write               req/s    ratio       p50       p99   ($CONNECTIONS connections)"
cat "$RESULTS"
