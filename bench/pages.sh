#!/usr/bin/env bash
# Web pages under load (docs/PERFORMANCE.md, "Web pages"): seeds the demo data into a fresh
# database, starts the release server, signs in as the demo coordinator through the sign-in
# form (as a browser does: the form's CSRF token, then the session cookie), and drives with
# wrk, in one run: GET /health (the baseline), the home page, a need's page and the
# coordinators' queue. Prints each page's requests per second as a ratio to /health, its
# latency, and its weight with the stylesheet.
#
#   bench/pages.sh                           SQLite; PostgreSQL too when BENCH_POSTGRES_URL or
#                                            CLEARINGHOUSE_TEST_POSTGRES_URL names a server
#   BENCH_NEEDS=10000 BENCH_OFFERS=2000 bench/pages.sh      a larger catalogue
#   BENCH_SECONDS=5 BENCH_ENGINES=sqlite bench/pages.sh     a quicker run
#
# Needs wrk (Debian's package `wrk`) and curl. Every database it creates is removed at the
# end; traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

NEEDS="${BENCH_NEEDS:-200}"
OFFERS="${BENCH_OFFERS:-100}"
DEMO_COORDINATOR="coordinator@clearinghouse-demo.example"
DEMO_PASSWORD="clearinghouse-demo"

bench_start 32 --bin clearinghouse

# rate URL [COOKIE]: requests per second and latency percentiles of wrk on URL.
rate() {
    local url="$1" cookie="${2:-}" out
    if [[ -n "$cookie" ]]; then
        out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_SCENARIO}s" --latency -H "Cookie: $cookie" "$url")"
    else
        out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_SCENARIO}s" --latency "$url")"
    fi
    if grep -q "Non-2xx" <<<"$out"; then
        echo "    non-2xx answers from $url:"; grep "Non-2xx" <<<"$out"; exit 1
    fi
    local rps p50 p99
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
    p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    echo "$rps $p50 $p99"
}

# weight URL [COOKIE]: bytes of the page's HTML.
weight() {
    curl -s -o /dev/null -w '%{size_download}' ${2:+-H "Cookie: $2"} "$1"
}

run_engine() {
    local name="$1" url="$2"
    local data="$WORK/$name"
    mkdir -p "$data"
    bench_environment "$url" "$data"
    local port
    port="$(bench_free_port)"
    local address="http://127.0.0.1:$port"
    export CLEARINGHOUSE_LISTEN="127.0.0.1:$port" CLEARINGHOUSE_PUBLIC_URL="$address/"
    echo
    echo "==> $name: seed-demo --needs $NEEDS --offers $OFFERS"
    "$BIN" seed-demo --needs "$NEEDS" --offers "$OFFERS" >/dev/null
    bench_serve "$data"

    # Sign in as a browser does: the form sets a CSRF cookie and carries its token.
    local jar="$data/cookies" form token session
    form="$(curl -s -c "$jar" "$address/sign-in")"
    token="$(grep -o 'name="csrf" value="[^"]*"' <<<"$form" | head -n 1 | sed 's/.*value="//; s/"$//')"
    curl -s -b "$jar" -c "$jar" -o /dev/null -H "Origin: $address" \
        --data-urlencode "csrf=$token" --data-urlencode "email=$DEMO_COORDINATOR" \
        --data-urlencode "password=$DEMO_PASSWORD" "$address/sign-in"
    session="$(awk '$6 ~ /session$/ && $6 !~ /csrf/ {print $6 "=" $7}' "$jar" | tail -n 1)"
    [[ -n "$session" ]] || { echo "    could not sign in as the demo coordinator"; exit 1; }

    # A public need the home page links to.
    local need
    need="$(curl -s "$address/needs" | grep -o 'href="/needs/[0-9a-f-]\{36\}"' | head -n 1 | sed 's/href="//; s/"$//')"
    [[ -n "$need" ]] || { echo "    no need listed on /needs"; exit 1; }
    local stylesheet
    stylesheet="$(curl -s "$address/" | grep -o 'href="/static/[^"]*\.css"' | head -n 1 | sed 's/href="//; s/"$//')"
    local css_bytes
    css_bytes="$(weight "$address$stylesheet")"

    read -r health_rps health_p50 health_p99 <<<"$(rate "$address/health")"
    printf '    %-22s %9s req/s  p50 %-8s p99 %-8s\n' "/health" "$health_rps" "$health_p50" "$health_p99"
    local page cookie
    for page in "/" "$need" "/coordination"; do
        cookie=""
        [[ "$page" == "/coordination" ]] && cookie="$session"
        read -r rps p50 p99 <<<"$(rate "$address$page" "$cookie")"
        local bytes
        bytes="$(weight "$address$page" "$cookie")"
        printf '    %-22s %9s req/s  p50 %-8s p99 %-8s ratio %.3f  weight %d B + %d B stylesheet\n' \
            "${page:0:22}" "$rps" "$p50" "$p99" "$(python3 -c "print($rps / $health_rps)")" "$bytes" "$css_bytes"
    done
    echo "    server RSS after the run: $(ps -o rss= -p "$SERVER_PID") KiB"
    bench_stop_server
}

ENGINES="${BENCH_ENGINES:-sqlite postgres}"
if [[ " $ENGINES " == *" sqlite "* ]]; then
    run_engine sqlite "sqlite://$WORK/sqlite/bench.db"
fi
if [[ " $ENGINES " == *" postgres "* && -n "$POSTGRES_ADMIN_URL" ]]; then
    db="ch_bench_pages_$$"
    PG_DATABASES+=("$db")
    psql -q "$POSTGRES_ADMIN_URL" -c "CREATE DATABASE $db"
    run_engine postgres "$(python3 -c "import sys, urllib.parse as u; p = u.urlparse(sys.argv[1]); print(p._replace(path='/$db').geturl())" "$POSTGRES_ADMIN_URL")"
fi
