# Sourced by the load benchmarks of bench/ (catalogue.sh, oauth.sh, pages.sh, webhooks.sh),
# run from the repository's root: the start-up they share, so that each script says only
# what it measures. Every server they start listens on 127.0.0.1 only.

TARGET="${CARGO_TARGET_DIR:-target}"
SECONDS_PER_SCENARIO="${BENCH_SECONDS:-10}"
THREADS="${BENCH_THREADS:-2}"
# An admin URL of a PostgreSQL server, for the scripts that measure that engine too.
POSTGRES_ADMIN_URL="${BENCH_POSTGRES_URL:-${CLEARINGHOUSE_TEST_POSTGRES_URL:-}}"
# The one secret of every bench server: tokens signed by one run mean nothing to another.
BENCH_JWT_SECRET="bench-secret-bench-secret-bench-secret-00"

# bench_require TOOL...: stops the run, naming the Debian package, unless each tool is here.
bench_require() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "$0 needs $tool: apt-get install -y $tool"; exit 1; }
    done
}

# bench_start CONNECTIONS CARGO_ARGS...: what every run does first: wrk's connections
# (BENCH_CONNECTIONS, else CONNECTIONS), the tools checked, and bench_build CARGO_ARGS.
bench_start() {
    CONNECTIONS="${BENCH_CONNECTIONS:-$1}"
    shift
    bench_require wrk curl python3
    bench_build "$@"
}

# bench_build CARGO_ARGS...: the release build of what the run measures (BENCH_SKIP_BUILD=1:
# the binaries in the target folder are used as they are), then a scratch folder $WORK with a
# copy of the server as $BIN, so that another build sharing the target folder cannot swap it
# mid-run. Copies of the examples the run names (`--example NAME`) go beside it. Installs the
# cleanup of everything the run starts or creates.
bench_build() {
    echo "==> cargo build --release $*"
    [[ -n "${BENCH_SKIP_BUILD:-}" ]] || nice cargo build --release --quiet "$@"
    WORK="$(mktemp -d)"
    cp "$TARGET/release/clearinghouse" "$WORK/"
    BIN="$WORK/clearinghouse"
    local previous=""
    for argument in "$@"; do
        [[ "$previous" == "--example" ]] && cp "$TARGET/release/examples/$argument" "$WORK/"
        previous="$argument"
    done
    SERVER_PID=""
    PG_DATABASES=()
    trap bench_cleanup EXIT
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(wrk --version 2>&1 | head -n 1)"
}

# What a run leaves behind, whichever way it ends: its server, the PostgreSQL databases it
# created (named in PG_DATABASES, on POSTGRES_ADMIN_URL) and its scratch folder.
bench_cleanup() {
    bench_stop_server
    local db
    for db in "${PG_DATABASES[@]}"; do
        psql -q "$POSTGRES_ADMIN_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
    done
    rm -rf "$WORK"
}

# bench_environment DATABASE_URL DATA_DIR: the settings of the server (and of the commands run
# before it: migrate, seed-demo) on that database. Scripts add their own after it.
bench_environment() {
    export DATABASE_URL="$1"
    export CLEARINGHOUSE_DATA_DIR="$2"
    export CLEARINGHOUSE_JWT_SECRET="$BENCH_JWT_SECRET"
    export CLEARINGHOUSE_PUBLIC_URL=http://127.0.0.1/
    export RUST_LOG=warn
    mkdir -p "$CLEARINGHOUSE_DATA_DIR"
}

# bench_free_port: a port free now, for a server whose public URL must name its port before
# it starts (the sign-in form checks the Origin against it).
bench_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# bench_serve DIR [SERVE_ARGS...]: starts `$BIN serve` in the background (on a free port
# unless CLEARINGHOUSE_LISTEN names one), its output in DIR/server.out and .err, and waits
# until it answers /health. Sets SERVER_PID and BASE (http://127.0.0.1:PORT). Not in a
# subshell: a server that does not start stops the run.
bench_serve() {
    local dir="$1"
    shift
    CLEARINGHOUSE_LISTEN="${CLEARINGHOUSE_LISTEN:-127.0.0.1:0}" "$BIN" serve "$@" >"$dir/server.out" 2>"$dir/server.err" &
    SERVER_PID=$!
    BASE=""
    for _ in $(seq 1 100); do
        [[ -n "$BASE" ]] || BASE="$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/server.out" | head -n 1 || true)"
        [[ -n "$BASE" ]] && curl -sf "$BASE/health" >/dev/null && return 0
        sleep 0.1
    done
    echo "the server did not start:"
    cat "$dir/server.err"
    exit 1
}

# bench_stop_server: stops the server bench_serve started, if it runs.
bench_stop_server() {
    if [[ -n "${SERVER_PID:-}" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

# json PATH: the field at PATH (Python subscripts: "['access_token']") of the JSON on stdin.
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

load_average() { cut -d' ' -f1-3 /proc/loadavg; }
