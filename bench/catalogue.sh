#!/usr/bin/env bash
# Catalogue load benchmark (docs/PERFORMANCE.md, "Catalogue"; issue 13 items 3 to 6): for
# each engine, seeds a small and a large catalogue (10,000 and 100,000 needs, one offer for
# five needs) into fresh databases, starts the release server on each in turn, and measures
# with wrk (2 threads, 32 connections, limit 20, every answer checked to be a 200):
#   GET /health, a need by id, a filtered list (theme + country), a free-text search and a
#   need's candidates (as the demo coordinator), then /health again,
# each as a ratio to the mean of the two /health runs on the same server; the server's RSS
# at rest and after the load; and the bare queries behind each read (the same SQL against
# the same database, no HTTP: bench/floor.sh), so that each request splits into what the
# engine spends and what we add.
#
#   bench/catalogue.sh                      SQLite; PostgreSQL too when BENCH_POSTGRES_URL or
#                                           CLEARINGHOUSE_TEST_POSTGRES_URL names a server
#   BENCH_SIZES="10000" BENCH_SECONDS=5 bench/catalogue.sh       a quicker run
#   BENCH_ENGINES=postgres bench/catalogue.sh                     one engine only
#
# Every database it creates (temporary SQLite files, PostgreSQL databases bench_catalogue_*)
# is removed at the end. Traffic goes to 127.0.0.1 only. Needs wrk, curl, python3 (and psql
# for PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

SIZES="${BENCH_SIZES:-10000 100000}"
bench_start 32 --bin clearinghouse
echo "started $(date -u +%FT%TZ), load average $(load_average)"

source bench/wrk/rate.sh

# The words of the search scenario: common and rare ones, in the catalogue's languages.
SEARCH_WORDS=(ransomware backup phishing sauvegardes "rançongiciel" CSIRT dispositivos
    hospital "incident response" "formação" training exercise tabletop awareness recovery
    "medical devices" governance "plan de respuesta" laboratoire network)
THEMES=(ransomware ransomware.backup_recovery workforce.awareness incident_response
    clinical_systems.medical_devices exercises.tabletop)
COUNTRIES=(SN KE PE MZ TZ EG BR CO)

rss_kib() { ps -o rss= -p "$SERVER_PID" | tr -d ' '; }

# write_paths DIR BASE: the files each scenario rotates over.
write_paths() {
    local dir="$1" base="$2"
    # Ids of public open needs as an anonymous client finds them (up to 5,000).
    python3 - "$base" >"$dir/ids.txt" <<'PY'
import json, sys, urllib.request
base, cursor, seen = sys.argv[1], None, 0
for _ in range(50):
    url = base + "/api/v1/needs?limit=100" + ("&cursor=" + cursor if cursor else "")
    page = json.load(urllib.request.urlopen(url))
    for item in page["items"]:
        print(item["id"]); seen += 1
    cursor = page.get("next_cursor")
    if not cursor:
        break
PY
    [[ -s "$dir/ids.txt" ]] || { echo "no public open needs: was the database seeded?"; exit 1; }
    sed 's|^|/api/v1/needs/|' "$dir/ids.txt" >"$dir/need.txt"
    sed 's|^|/api/v1/needs/|; s|$|/candidates?limit=20|' "$dir/ids.txt" >"$dir/candidates.txt"
    : >"$dir/list.txt"
    for theme in "${THEMES[@]}"; do for country in "${COUNTRIES[@]}"; do
        echo "/api/v1/needs?theme=$theme&country=$country&limit=20" >>"$dir/list.txt"
    done; done
    : >"$dir/search.txt"
    for word in "${SEARCH_WORDS[@]}"; do
        echo "/api/v1/needs?q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$word")&limit=20" >>"$dir/search.txt"
    done
}

RESULTS="$WORK/results.txt"
: >"$RESULTS"

# run_one ENGINE NEEDS DATABASE_URL
run_one() {
    local engine="$1" needs="$2" url="$3"
    local offers=$((needs / 5))
    local dir="$WORK/$engine-$needs"
    mkdir -p "$dir"
    bench_environment "$url" "$dir"
    # The demo coordinator signs in once per run; the login limit is not what is measured.
    export CLEARINGHOUSE_RATE_LIMITS__LOGIN_PER_IP=1000
    echo
    echo "==> $engine, $needs needs: seed-demo --needs $needs --offers $offers"
    /usr/bin/time -f "    seeding took %e s, max RSS %M KiB" "$BIN" seed-demo --needs "$needs" --offers "$offers" >/dev/null
    bench_serve "$dir"
    local base="$BASE"
    sleep 1
    local rest; rest="$(rss_kib)"
    write_paths "$dir" "$base"
    local token
    token="$(curl -sf "$base/api/v1/auth/login" -H 'content-type: application/json' \
        -d '{"email":"coordinator@clearinghouse-demo.example","password":"clearinghouse-demo"}' \
        | json "['access_token']")"
    printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$token" >"$dir/coordinator.lua"
    cat "$dir/coordinator.lua" bench/wrk/paths.lua >"$dir/candidates.lua"
    echo "    $(wc -l <"$dir/ids.txt") need ids; RSS at rest $rest KiB; load average $(load_average)"

    local h1 need list search candidates h2
    h1="$(rate "$engine-$needs-health" "$base/health")"
    need="$(rate "$engine-$needs-need" "$base" bench/wrk/paths.lua "$dir/need.txt")"
    list="$(rate "$engine-$needs-list" "$base" bench/wrk/paths.lua "$dir/list.txt")"
    search="$(rate "$engine-$needs-search" "$base" bench/wrk/paths.lua "$dir/search.txt")"
    # The first candidate list loads and reads every open offer (seconds at 100k), which a
    # running server did long before; timed on its own, so that the 32 connections waiting
    # for it do not stand in the measured run's p99.
    local first
    first="$(curl -sf -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" \
        "$base$(head -n 1 "$dir/candidates.txt")")"
    echo "    the first candidate list (loads the open offers): ${first} s"
    candidates="$(rate "$engine-$needs-candidates" "$base" "$dir/candidates.lua" "$dir/candidates.txt")"
    h2="$(rate "$engine-$needs-health2" "$base/health")"
    local after; after="$(rss_kib)"
    local load; load="$(load_average)"
    echo "    RSS after the load $after KiB; load average $load"
    bench_stop_server

    local health; health="$(python3 -c "print(($h1 + $h2) / 2)")"
    for row in "GET /health:$h1:health" "need by id:$need:need" "list theme+country:$list:list" \
               "search q=:$search:search" "a need's candidates:$candidates:candidates" \
               "GET /health (again):$h2:health2"; do
        IFS=: read -r name value file <<<"$row"
        local out="$WORK/$engine-$needs-$file.out"
        printf '%-10s %7s  %-22s %10.0f %8.4f %9s %9s\n' "$engine" "$needs" "$name" "$value" \
            "$(python3 -c "print($value / $health)")" \
            "$(awk '/ 50%/ {print $2}' "$out")" "$(awk '/ 99%/ {print $2}' "$out")" | tee -a "$RESULTS"
    done
    printf '%-10s %7s  RSS at rest %s KiB, after the load %s KiB; load average after %s\n' \
        "$engine" "$needs" "$rest" "$after" "$load" | tee -a "$RESULTS"
    bench/floor.sh "$engine" "$url" "$dir" | tee -a "$RESULTS"
}

ENGINES="${BENCH_ENGINES:-sqlite postgres}"

if [[ " $ENGINES " == *" sqlite "* ]]; then
    for needs in $SIZES; do
        run_one sqlite "$needs" "sqlite://$WORK/sqlite-$needs.db"
    done
fi

if [[ " $ENGINES " != *" postgres "* ]]; then
    :
elif [[ -n "$POSTGRES_ADMIN_URL" ]]; then
    command -v psql >/dev/null || { echo "psql is needed to create the PostgreSQL databases"; exit 1; }
    for needs in $SIZES; do
        db="bench_catalogue_$$_$needs"
        PG_DATABASES+=("$db")
        psql -q "$POSTGRES_ADMIN_URL" -c "CREATE DATABASE $db"
        # The admin URL ends in a database name (postgres://user@host:port/db): swap it.
        run_one postgres "$needs" "${POSTGRES_ADMIN_URL%/*}/$db"
    done
else
    echo
    echo "(PostgreSQL skipped: set BENCH_POSTGRES_URL or CLEARINGHOUSE_TEST_POSTGRES_URL to an admin URL)"
fi

echo
echo "finished $(date -u +%FT%TZ), load average $(load_average)"
printf '%-10s %7s  %-22s %10s %8s %9s %9s\n' engine needs scenario "req/s" ratio p50 p99
cat "$RESULTS"
