#!/usr/bin/env bash
# Webhook delivery benchmark (docs/PERFORMANCE.md, "Partner systems"), in one run:
#   - GET /health of the release server, with wrk (before and after, averaged, so that a
#     change of the machine's load during the run shows as the two figures' spread);
#   - examples/webhooks.rs: N deliveries through the real webhook worker (claim, SSRF check,
#     sign, POST, record) to a local receiver that verifies each signature, against a plain
#     reqwest client posting the same signed bodies to the same receiver at the same
#     concurrency.
# and prints deliveries/s as ratios to the plain client and to /health.
#
#   bench/webhooks.sh                                    5000 deliveries, batch 20, 8 in flight
#   WEBHOOKS=20000 BATCH=100 CONCURRENCY=16 bench/webhooks.sh
#   BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/bench_x bench/webhooks.sh
#       (the worker's database: an empty or bench-only PostgreSQL database)
#
# Needs wrk (Debian: apt-get install -y wrk), curl and python3. Traffic goes to 127.0.0.1
# only; the temporary databases are removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh

# The server and examples/webhooks.rs.
bench_start 16 --bin clearinghouse --example webhooks

bench_environment "sqlite://$WORK/health.db" "$WORK/data"
"$BIN" migrate >/dev/null
# --no-worker: the server's own workers would only poll an empty outbox; the worker that is
# measured is the example's.
bench_serve "$WORK" --no-worker

source bench/wrk/rate.sh

echo "load average before: $(load_average)"
echo "==> wrk /health: $THREADS threads, $CONNECTIONS connections, $SECONDS_PER_SCENARIO s"
HEALTH_BEFORE="$(rate health-before "$BASE/health")"
echo "==> examples/webhooks (WEBHOOKS=${WEBHOOKS:-5000} BATCH=${BATCH:-20} CONCURRENCY=${CONCURRENCY:-8})"
(cd "$WORK" && RUST_LOG=error ./webhooks) | tee "$WORK/webhooks.out"
echo "==> wrk /health again"
HEALTH_AFTER="$(rate health-after "$BASE/health")"
echo "load average after: $(load_average)"

RESULT="$(grep '^RESULT' "$WORK/webhooks.out")"
PLAIN="$(sed -E 's/.*plain=([0-9.]+).*/\1/' <<<"$RESULT")"
WORKER="$(sed -E 's/.*worker=([0-9.]+).*/\1/' <<<"$RESULT")"
HEALTH="$(python3 -c "print(($HEALTH_BEFORE + $HEALTH_AFTER) / 2)")"
printf '\n%-40s %12s %10s\n' "scenario" "per second" "vs /health"
for row in "GET /health (mean of before/after):$HEALTH" "plain reqwest -> receiver:$PLAIN" \
           "webhook worker -> receiver:$WORKER"; do
    name="${row%:*}"; value="${row##*:}"
    printf '%-40s %12.0f %10.4f\n' "$name" "$value" "$(python3 -c "print($value / $HEALTH)")"
done
printf '%-40s %23.3f\n' "worker / plain client" "$(python3 -c "print($WORKER / $PLAIN)")"
printf '%-40s %12.0f / %.0f\n' "/health before / after" "$HEALTH_BEFORE" "$HEALTH_AFTER"
