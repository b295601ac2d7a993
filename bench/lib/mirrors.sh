# shellcheck shell=bash
# bench/lib/mirrors.sh: sourced by bench/run (defines only). Step 0: the pgbench mirrors are the service's statements,
# checked before anything is measured. Uses cluster.sh's SQL, api and render_mirrors and bench/run's WORK, out, blog.
#
# One call of each measured kind through the API and one run of its mirror under log_statement = all; bench/statements.py
# compares the two transactions as PostgreSQL logged them (normalised) and the run stops when they differ, so a change
# to the service's SQL cannot leave a stale mirror behind. The logs are kept as statements-<call>.{service,pgbench}.log.
capture_call() { # capture_call NAME METHOD PATH [BODY]: the server log of the call -> statements-NAME.service.log
  local mark1 mark2
  mark1=$(wc -l <"$PG_LOG")
  api "$2" "$3" "${4:-}" >"$WORK/statements-$1.response.json"
  sleep 0.3; mark2=$(wc -l <"$PG_LOG")
  sed -n "$((mark1 + 1)),${mark2}p" "$PG_LOG" >"$WORK/statements-$1.service.log"
}
check_mirror() { # check_mirror NAME USE_CASE MIRROR METHOD PATH [BODY]
  api "$4" "$5" "${6:-}" >/dev/null   # then the call compared (on a pooled connection, reused)
  capture_call "$1" "$4" "$5" "${6:-}"
  compare_mirror "$1" "$2" "$3"
}
compare_mirror() { # compare_mirror NAME USE_CASE MIRROR: one run of the mirror under the log against statements-NAME.service.log
  local name=$1 use_case=$2 mirror=$3 mark
  mark=$(wc -l <"$PG_LOG")
  PGPASSWORD=$APP_PW pgbench -n -M extended -h 127.0.0.1 -p "$PG_PORT" -U cms_app -d cms -c 1 -t 1 \
    -f "$WORK/pgbench-check/$mirror" >"$WORK/statements-$name.pgbench.out" 2>&1 \
    || { tail -5 "$WORK/statements-$name.pgbench.out" >&2; echo "bench: the mirror $mirror failed to run" >&2; MIRRORS_OK=0; return 0; }
  sleep 0.3
  tail -n +"$((mark + 1))" "$PG_LOG" >"$WORK/statements-$name.pgbench.log"
  python3 "$REPO_ROOT/bench/statements.py" "$use_case" "$WORK/statements-$name.service.log" "$WORK/statements-$name.pgbench.log" \
    || MIRRORS_OK=0
}
includes() { python3 "$REPO_ROOT/bench/statements.py" --includes "$@" || MIRRORS_OK=0; }
# check_mirrors: every mirror against the service (a difference stops the run) -> FILING_ROUND_TRIPS, WORD_HASH,
# ACK_ROUND_TRIPS, NOTE_ROUND_TRIPS;
# --check-mirrors stops the run here.
check_mirrors() {
  render_mirrors "$WORK/pgbench-check" "$TEMPLATE_CONSUMER" 1 1
  SQL -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 0.5
  MIRRORS_OK=1
  check_mirror file FileComplaint filing.sql POST /v1/complaints "{\"consumerId\":\"$TEMPLATE_CONSUMER\",$FILING_BODY}"
  check_mirror queue ListComplaints queue.sql GET "/v1/complaints?status=received&limit=50"
  check_mirror byid GetComplaint byid.sql GET "/v1/complaints/$TEMPLATE_COMPLAINT"
  # The single-query variants (rls_overhead, deep_page_ratio) run the service's own statements: the queue's and the
  # complaint's from above, the unfiltered list's first page and a page after a cursor from two more calls.
  includes ListComplaints "$WORK/statements-queue.service.log" "$WORK"/pgbench-check/rls-queue-{app,owner}.sql
  includes GetComplaint "$WORK/statements-byid.service.log" "$WORK"/pgbench-check/rls-byid-{app,owner}.sql
  capture_call page-first GET "/v1/complaints?limit=1"
  includes ListComplaints "$WORK/statements-page-first.service.log" "$WORK/pgbench-check/page-first.sql"
  includes FileComplaint "$WORK/statements-file.service.log" "$WORK/pgbench-check/filing-writes.sql"
  FILING_ROUND_TRIPS=$(python3 "$REPO_ROOT/bench/statements.py" --round-trips FileComplaint "$WORK/statements-file.service.log" "$WORK/pgbench-check/filing.sql")
  CURSOR=$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(open(sys.argv[1]))["nextCursor"]))' \
    "$WORK/statements-page-first.response.json")
  capture_call page-deep GET "/v1/complaints?limit=1&cursor=$CURSOR"
  includes ListComplaints "$WORK/statements-page-deep.service.log" "$WORK/pgbench-check/page-deep.sql"
  # Keyword search: the word's hash is the tenant's HMAC, known only to the service; taken from the bind parameters of one
  # search call as PostgreSQL logged them, then the search mirror rendered with it and checked like the others.
  capture_call search-hash GET "/v1/complaints?q=$SEARCH_WORD&limit=50"
  WORD_HASH=$(grep -oE "'[0-9a-f]{64}'" "$WORK/statements-search-hash.service.log" | head -1 | tr -d "'")
  [[ -n $WORD_HASH ]] || { echo "bench: no keyword hash in the search call's statements ($WORK/statements-search-hash.service.log)" >&2; exit 1; }
  render_mirrors "$WORK/pgbench-check" "$TEMPLATE_CONSUMER" 1 1
  check_mirror search ListComplaints search.sql GET "/v1/complaints?q=$SEARCH_WORD&limit=50"
  transitions_check_mirrors
  SQL -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
  if [[ $MIRRORS_OK -ne 1 ]]; then
    echo "bench: a pgbench mirror (bench/pgbench/) no longer sends what the service sends: bring it in line with the" \
         "service's statements above (logs in $WORK; --keep keeps them) before measuring" >&2
    exit 1
  fi
  out statements_checked "filing,queue,byid,rls-queue,rls-byid,page-first,page-deep,search,acknowledge,note"
  if [[ $CHECK_ONLY -eq 1 ]]; then blog "--check-mirrors: the mirrors match; stopping before the load"; exit 0; fi
}
