# Sourced by the bench/ scripts. Every answer must be a 200 (or the scenario's
# `wanted_status`), or the figures measure refusals: check.lua counts the other statuses
# across wrk's threads and prints a CHECK line, which `rate` reads. Needs THREADS,
# CONNECTIONS, SECONDS_PER_SCENARIO and WORK (a scratch folder), and is run from the
# repository's root. A request slower than WRK_TIMEOUT (10 s;
# wrk's own default of 2 s would drop the slowest reads from the figures) fails the run.
# rate NAME URL [SCRIPT [ARGS...]]: requests per second (ARGS go to the script's `init`);
# stops the run unless every answer was the wanted one. wrk's whole output stays in $WORK/NAME.out.
rate() {
    local name="$1" url="$2" script="${3:-}"
    shift 3 2>/dev/null || shift $#
    # Its own name: the scenario script may be $WORK/NAME.lua, which this must not truncate.
    local combined="$WORK/$name.wrk.lua"
    { [[ -n "$script" ]] && cat "$script"; cat bench/wrk/check.lua; } >"$combined"
    wrk --latency --timeout "${WRK_TIMEOUT:-10s}" -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_SCENARIO}s" -s "$combined" "$url" \
        -- "$@" >"$WORK/$name.out"
    local check
    check="$(grep '^CHECK' "$WORK/$name.out" || true)"
    if [[ "$check" != *" non200=0 socket_errors=0" ]]; then
        echo "$name: not every answer was the one wanted ($check); the figures would count refusals" >&2
        cat "$WORK/$name.out" >&2
        exit 1
    fi
    echo "    $name: ${check#CHECK }, p99 $(awk '/ 99%/ {print $2}' "$WORK/$name.out")" >&2
    awk '/Requests\/sec/ {print $2}' "$WORK/$name.out"
}

