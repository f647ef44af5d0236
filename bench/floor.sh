#!/usr/bin/env bash
# The physical floor of the catalogue reads (issue 13 item 6), for bench/catalogue.sh: the
# statements one request of each read sends, timed against the same database with no HTTP,
# one connection, one after the other (sqlite3 or psql reading a file of them). The SQL is
# the server's own, as PostgreSQL's statement log shows it for one request of each read
# (docs/PERFORMANCE.md, "Before issue 13 (wrk)"), in each engine's dialect: diesel writes
# `IN (...)` on SQLite where PostgreSQL gets `= ANY($1)`, and the text filter is FTS5's
# `needs_fts MATCH` there. Not measured here: r2d2's `SELECT 1` on check-out (ours, not the
# read's) and the candidates read (its statements depend on the need's related themes).
#
#   bench/floor.sh ENGINE DATABASE_URL DIR     DIR holds catalogue.sh's ids.txt
#
# Prints one line per read: microseconds per request of statements alone.
set -euo pipefail
engine="$1" url="$2" dir="$3"
ROUNDS="${BENCH_FLOOR_ROUNDS:-400}"

COLUMNS='needs.id, needs.organisation_id, needs.title, needs.description, needs.country,
 needs.languages, needs.delivery_modes, needs.urgency, needs.quantity, needs.wanted_from,
 needs.wanted_by, needs.budget_amount, needs.budget_currency, needs.visibility,
 needs.anonymous, needs.status, needs.version, needs.reconfirmed_at, needs.created_at,
 needs.updated_at, needs.quantity_covered, needs.sector, needs.after_incident, needs.costs,
 needs.audiences, needs.requester_kind'
THEMES=(ransomware ransomware.backup_recovery workforce.awareness incident_response
    clinical_systems.medical_devices exercises.tabletop)
COUNTRIES=(SN KE PE MZ TZ EG BR CO)
WORDS=(ransomware backup phishing sauvegardes "rançongiciel" csirt dispositivos hospital
    "incident response" "formação" training exercise tabletop awareness recovery
    "medical devices" governance "plan de respuesta" laboratoire network)

# run FILE: runs the statements of FILE, printing nothing, on the bench database.
if [[ "$engine" == sqlite ]]; then
    db="${url#sqlite://}"
    run() { sqlite3 -batch "$db" <"$1" >/dev/null; }
    query() { sqlite3 -batch -list "$db" "$1"; }
else
    run() { psql -X -q -v ON_ERROR_STOP=1 -o /dev/null "$url" -f "$1"; }
    query() { psql -X -q -At "$url" -c "$1"; }
fi

# list_of 'a' 'b' -> ('a','b') on SQLite, '{a,b}' on PostgreSQL (an array for = ANY).
in_list() {
    local IFS=,
    if [[ "$engine" == sqlite ]]; then
        local quoted=(); for v in "$@"; do quoted+=("'$v'"); done
        echo "(${quoted[*]})"
    else
        echo "'{$*}'"
    fi
}
member() { if [[ "$engine" == sqlite ]]; then echo "IN $1"; else echo "= ANY($1)"; fi; }
not_member() { if [[ "$engine" == sqlite ]]; then echo "NOT IN $1"; else echo "!= ALL($1)"; fi; }

themes_of() { # the statement that loads the themes of the ids given
    echo "SELECT need_themes.need_id, need_themes.theme_code FROM need_themes WHERE need_themes.need_id $(member "$(in_list "$@")") ORDER BY need_themes.need_id, need_themes.theme_code;"
}
visible="((needs.organisation_id = '' OR (needs.status $(not_member "$(in_list draft withdrawn)") AND needs.visibility $(member "$(in_list public)"))) AND needs.status = 'open')"

# time_file NAME FILE REQUESTS: microseconds per request, less the client's own start.
: >"$dir/empty.sql"
time_file() {
    local name="$1" file="$2" requests="$3"
    local t0 t1 t2
    t0="$(date +%s%N)"; run "$dir/empty.sql"; t1="$(date +%s%N)"; run "$file"; t2="$(date +%s%N)"
    python3 -c "print(f'{\"$engine\":<10} floor  {\"$name\":<22} {(($t2 - $t1) - ($t1 - $t0)) / 1000 / $requests:10.0f} µs per request (statements only, 1 connection, $requests requests)')"
}

# Need by id: the row, then its themes.
mapfile -t ids < <(head -n "$ROUNDS" "$dir/ids.txt")
file="$dir/floor-need.sql"; : >"$file"
for id in "${ids[@]}"; do
    echo "SELECT $COLUMNS FROM needs WHERE needs.id = '$id' LIMIT 1;" >>"$file"
    themes_of "$id" >>"$file"
done
time_file "need by id" "$file" "${#ids[@]}"

# The filtered list and the search: the page (limit 21, one more than asked), then the
# themes of the page's rows, which a first, untimed pass finds.
page_file() { # NAME WHERE...: writes the timed file for the pages of each WHERE
    local name="$1"; shift
    local file="$dir/floor-$name.sql" requests=0; : >"$file"
    while (( requests < ROUNDS )); do
        for where in "$@"; do
            local sql="SELECT $COLUMNS FROM ${FROM:-needs} WHERE $where ORDER BY ${ORDER:-needs.created_at DESC, needs.id DESC} LIMIT 21"
            mapfile -t page < <(query "SELECT id FROM ($sql) AS page")
            echo "$sql;" >>"$file"
            (( ${#page[@]} > 0 )) && themes_of "${page[@]}" >>"$file"
            requests=$((requests + 1))
        done
    done
    time_file "$name" "$file" "$requests"
}
wheres=()
for theme in "${THEMES[@]}"; do
    mapfile -t codes < <(query "SELECT code FROM themes WHERE code = '$theme' OR code LIKE '$theme.%' ORDER BY code")
    for country in "${COUNTRIES[@]}"; do
        wheres+=("($visible AND EXISTS (SELECT need_themes.need_id, need_themes.theme_code FROM need_themes WHERE need_themes.need_id = needs.id AND need_themes.theme_code $(member "$(in_list "${codes[@]}")")) AND needs.country = '$country')")
    done
done
page_file "list theme+country" "${wheres[@]}"
wheres=()
for phrase in "${WORDS[@]}"; do
    # TextQuery: words of letters and digits, lower case, each a prefix.
    read -r -a words <<<"$(python3 -c 'import re, sys; print(" ".join(w.lower() for w in re.split(r"[\W_]+", sys.argv[1]) if w))' "$phrase")"
    if [[ "$engine" == sqlite ]]; then
        match=""; for w in "${words[@]}"; do match+="\"$w\"* "; done
        # The walk of the FTS5 table in newest-first rowid order (docs/PERFORMANCE.md, "List
        # and search that follow the page").
        wheres+=("($visible AND needs_fts MATCH '${match% }')")
    else
        match=""; for w in "${words[@]}"; do match+="$w:* & "; done
        wheres+=("($visible AND needs.search @@ to_tsquery('simple', '${match% & }'))")
    fi
done
if [[ "$engine" == sqlite ]]; then
    FROM="needs INNER JOIN needs_fts ON needs_fts.id = needs.id" ORDER="needs_fts.rowid DESC" \
        page_file "search q=" "${wheres[@]}"
else
    page_file "search q=" "${wheres[@]}"
fi
