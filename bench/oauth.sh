#!/usr/bin/env bash
# Token issuance benchmark (docs/PERFORMANCE.md, "Partner systems"): starts the release
# server on a fresh SQLite database, seeds one API client (through the API, as an org admin
# would), and measures with wrk, in one run and at the same concurrency:
#   - GET /health                                 (the ceiling of this machine and server)
#   - POST /api/v1/oauth/token, client credentials by HTTP Basic (each one checks the
#     secret, counts two rate limits, and writes last_used_at and an audit line)
#   - GET /api/v1/needs/{id} with a client token   (the client loaded on every request)
#   - GET /api/v1/needs/{id} with a person's token (the same read, for comparison)
# and prints each as a ratio to /health.
#
#   bench/oauth.sh                          10 s per scenario, 16 connections
#   BENCH_SECONDS=5 BENCH_CONNECTIONS=8 bench/oauth.sh
#   BENCH_PERF=1 bench/oauth.sh             and a perf profile of the token scenario
#
# Every scenario fails the run unless each answer was a 200 (counted by a wrk `response`
# hook across all threads). Needs wrk (Debian: apt-get install -y wrk), curl and python3.
# Traffic goes to 127.0.0.1 only; the temporary database is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh

bench_start 16 --bin clearinghouse

bench_environment "sqlite://$WORK/bench.db" "$WORK/data"
# The limits would refuse a load test at once; what is measured is their cost, not them.
# Each limit is GCRA with an interval of 60 s / quota between requests and a burst of the
# whole quota: 60,000,000 a minute is an interval of 1 µs and a burst of 60 million, so
# every request of a run (a few hundred thousand) is admitted while both limits are still
# counted in the database on every request. (A quota above 60 million rounds the interval
# down to 0 µs; then two requests whose clocks were read out of order refuse the later
# one, which is how the first run counted 429s as tokens.)
export CLEARINGHOUSE_RATE_LIMITS__OAUTH_TOKEN_PER_IP=60000000
export CLEARINGHOUSE_RATE_LIMITS__OAUTH_TOKEN_PER_CLIENT=60000000
export CLEARINGHOUSE_RATE_LIMITS__LOGIN_PER_IP=1000

PASSWORD="bench-password-long-enough"
"$BIN" migrate >/dev/null
echo "$PASSWORD" | "$BIN" create-coordinator --email bench@secretariat.example --name Bench >/dev/null

bench_serve "$WORK"

USER_TOKEN="$(curl -sf "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"bench@secretariat.example\",\"password\":\"$PASSWORD\"}" | json "['access_token']")"
# A hospital (registered, not yet verified: drafts are all it needs) whose client the
# coordinator creates, as coordinators may for any organisation.
ORG="$(curl -sf "$BASE/api/v1/auth/register" -H 'content-type: application/json' -d "{
  \"email\": \"admin@hospital.example\", \"password\": \"$PASSWORD\", \"name\": \"Admin\",
  \"organisation\": {\"name\": \"Bench hospital\", \"kind\": \"hospital\", \"country\": \"KE\"}}" \
  | json "['organisation']['id']")"
CLIENT="$(curl -sf "$BASE/api/v1/organisations/$ORG/api-clients" -H "authorization: Bearer $USER_TOKEN" \
    -H 'content-type: application/json' -d '{"name":"bench","scopes":["needs:read","needs:write"]}')"
CLIENT_ID="$(echo "$CLIENT" | json "['client_id']")"
CLIENT_SECRET="$(echo "$CLIENT" | json "['client_secret']")"
BASIC="$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"
CLIENT_TOKEN="$(curl -sf "$BASE/api/v1/oauth/token" -H "authorization: Basic $BASIC" \
    -d grant_type=client_credentials | json "['access_token']")"
# A need to read: the hospital's own draft, which its client and the coordinator may see.
NEED="$(curl -sf "$BASE/api/v1/needs" -H "authorization: Bearer $CLIENT_TOKEN" -H 'content-type: application/json' -d '{
  "title": "Benchmark need", "description": "A need that the benchmark reads again and again.",
  "themes": ["ransomware.backup_recovery"], "country": "KE", "languages": ["en"],
  "delivery_modes": ["remote"], "urgency": "high", "quantity": 5,
  "wanted_by": "2099-01-01", "visibility": "public"}' | json "['id']")"

cat >"$WORK/token.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Basic $BASIC"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials&scope=needs%3Aread"
LUA
cat >"$WORK/client.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $CLIENT_TOKEN"
LUA
cat >"$WORK/user.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $USER_TOKEN"
LUA
# `rate`: wrk's requests/s for one scenario, failing the run unless every answer was a 200.
source bench/wrk/rate.sh

echo "load average before: $(load_average)"
echo "==> wrk: $THREADS threads, $CONNECTIONS connections, $SECONDS_PER_SCENARIO s each"
HEALTH="$(rate health "$BASE/health")"
PERF_PID=""
if [[ -n "${BENCH_PERF:-}" ]]; then
    # A profile of the server while it issues tokens (it costs the run a little throughput:
    # compare figures from runs without it).
    perf record -q -F 499 -p "$SERVER_PID" -o "$WORK/token.perf" -- sleep "$SECONDS_PER_SCENARIO" 2>/dev/null &
    PERF_PID=$!
fi
TOKEN="$(rate token "$BASE/api/v1/oauth/token" "$WORK/token.lua")"
if [[ -n "$PERF_PID" ]]; then
    wait "$PERF_PID" || true
    echo "==> where the server's time goes while it issues tokens (perf, self time)"
    perf report -i "$WORK/token.perf" --stdio --no-children --sort dso 2>/dev/null \
        | grep -v '^#' | grep '%' | head -n 6
    perf report -i "$WORK/token.perf" --stdio --no-children --sort dso,symbol 2>/dev/null \
        | grep -v '^#' | grep '%' | head -n "${BENCH_PERF_LINES:-40}"
fi
CLIENT_READ="$(rate client-read "$BASE/api/v1/needs/$NEED" "$WORK/client.lua")"
USER_READ="$(rate user-read "$BASE/api/v1/needs/$NEED" "$WORK/user.lua")"
AUDIT_ROWS="$(curl -sf "$BASE/api/v1/audit?entity=api_client&entity_id=$CLIENT_ID&limit=1" -H "authorization: Bearer $USER_TOKEN" >/dev/null && echo ok)"

printf '\n%-40s %12s %10s\n' "scenario" "requests/s" "vs /health"
for row in "GET /health:$HEALTH" "POST /oauth/token (Basic):$TOKEN" \
           "GET /needs/{id}, client token:$CLIENT_READ" "GET /needs/{id}, user token:$USER_READ"; do
    name="${row%:*}"; value="${row##*:}"
    printf '%-40s %12.0f %10.3f\n' "$name" "$value" "$(python3 -c "print($value / $HEALTH)")"
done
printf '%-40s %23.3f\n' "client read / user read" "$(python3 -c "print($CLIENT_READ / $USER_READ)")"
echo "load average after: $(load_average)"
echo "    server RSS after the run: $(ps -o rss= -p "$SERVER_PID") KiB; audit readable: $AUDIT_ROWS"
