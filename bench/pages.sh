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

NEEDS="${BENCH_NEEDS:-200}"
OFFERS="${BENCH_OFFERS:-100}"
SECONDS_PER_PAGE="${BENCH_SECONDS:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
POSTGRES_ADMIN_URL="${BENCH_POSTGRES_URL:-${CLEARINGHOUSE_TEST_POSTGRES_URL:-}}"
TARGET="${CARGO_TARGET_DIR:-target}"
DEMO_COORDINATOR="coordinator@clearinghouse-demo.example"
DEMO_PASSWORD="clearinghouse-demo"

for tool in wrk curl; do
    command -v "$tool" >/dev/null || { echo "bench/pages.sh needs $tool (apt-get install $tool)"; exit 1; }
done

echo "==> cargo build --release"
cargo build --release --quiet --bin clearinghouse
WORK="$(mktemp -d)"
cp "$TARGET/release/clearinghouse" "$WORK/"
BIN="$WORK/clearinghouse"

SERVER_PID=""
PG_DATABASE=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    if [[ -n "$PG_DATABASE" ]]; then psql -q "$POSTGRES_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DATABASE WITH (FORCE)" || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(wrk --version 2>&1 | head -n 1)"

# rate URL [COOKIE]: requests per second and latency percentiles of wrk on URL.
rate() {
    local url="$1" cookie="${2:-}" out
    if [[ -n "$cookie" ]]; then
        out="$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_PAGE}s" --latency -H "Cookie: $cookie" "$url")"
    else
        out="$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_PAGE}s" --latency "$url")"
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
    export DATABASE_URL="$url"
    export CLEARINGHOUSE_DATA_DIR="$data"
    export CLEARINGHOUSE_JWT_SECRET="bench-secret-bench-secret-bench-secret-00"
    export RUST_LOG=warn
    local port
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    local address="http://127.0.0.1:$port"
    export CLEARINGHOUSE_LISTEN="127.0.0.1:$port" CLEARINGHOUSE_PUBLIC_URL="$address/"
    echo
    echo "==> $name: seed-demo --needs $NEEDS --offers $OFFERS"
    "$BIN" seed-demo --needs "$NEEDS" --offers "$OFFERS" >/dev/null
    "$BIN" serve >"$data/server.out" 2>"$data/server.err" &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        curl -sf "$address/health" >/dev/null && break
        sleep 0.1
    done

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
    kill "$SERVER_PID"; wait "$SERVER_PID" || true
    SERVER_PID=""
}

ENGINES="${BENCH_ENGINES:-sqlite postgres}"
if [[ " $ENGINES " == *" sqlite "* ]]; then
    run_engine sqlite "sqlite://$WORK/sqlite/bench.db"
fi
if [[ " $ENGINES " == *" postgres "* && -n "$POSTGRES_ADMIN_URL" ]]; then
    PG_DATABASE="ch_bench_pages_$$"
    psql -q "$POSTGRES_ADMIN_URL" -c "CREATE DATABASE $PG_DATABASE"
    run_engine postgres "$(python3 -c "import sys, urllib.parse as u; p = u.urlparse(sys.argv[1]); print(p._replace(path='/$PG_DATABASE').geturl())" "$POSTGRES_ADMIN_URL")"
fi
