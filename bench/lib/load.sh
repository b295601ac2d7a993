# shellcheck shell=bash
# bench/lib/load.sh: sourced by bench/run (defines only). Step 1: the measured tenant's (and the other tenants')
# consumers through the product's bulk import with the database's own COPY ceiling for the same rows, then their
# complaints, deadlines, notes and audit entries (bench/generate.sql). Uses cluster.sh's SQL and bench/run's variables.

# ---- 1a. consumers through the product's bulk import, one import-consumers command per tenant ----
# CPU seconds spent by the cluster (postmaster, its live children, and the children it has reaped): with the importer's
# own CPU time this gives CPU per row, which the machine's other load does not change much (wall-clock rates it does).
pg_cpu_ticks() {
  local pm; pm=$(head -1 "$PG_TMP/data/postmaster.pid")
  { awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat"
    for c in $(cat /proc/"$pm"/task/*/children 2>/dev/null); do awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || true; done
  } | awk '{s += $1} END {print s}'
}
# import_tenant K: CONSUMERS consumers for tenant K, numbered on from the previous tenants' (--start, so external refs
# differ across tenants too, though they need only be unique within one), generated and loaded through import-consumers
# as the tenant's bench-admin -> import_*_tenantK; the first tenant's also under the names of a one-tenant run
# (import_lines ... import_rows_per_s), measured with the other tenants not loaded yet, exactly as in a one-tenant run.
import_tenant() {
  local k=$1 tag="" ticks_before ticks_after lines imported rejected seconds user sys pg_cpu rate cpu_us
  (( k > 1 )) && tag="-$k"
  blog "tenant $k: generating $CONSUMERS consumers (JSON lines)"
  dotnet "$BENCH_DLL" consumers --count "$CONSUMERS" --seed "$(( 6 + k ))" --start "$(( (k - 1) * CONSUMERS + 1 ))" \
    >"$WORK/consumers$tag.jsonl"
  blog "tenant $k: importing them: import-consumers (progress below)"
  ticks_before=$(pg_cpu_ticks)
  # DOTNET_TieredCompilation=0 as docs/consumer-import.md runs the command: a one-shot batch process compiles its code once,
  # optimised, instead of paying tiering's unoptimised code and recompilations on its first rows (ADR 0020); and with the
  # workstation collector, not concurrent (not the service's server GC exported above: 8 % less importer CPU a row).
  /usr/bin/time -f '%U %S' -o "$WORK/import$tag.time" \
    env Cms__Database__ConnectionString="$Cms__Database__ConnectionString;Application Name=cms-import" DOTNET_TieredCompilation=0 \
    DOTNET_gcServer=0 DOTNET_gcConcurrent=0 \
    dotnet "$API_DLL" import-consumers --tenant "${T_ID[k]}" --as bench-admin --file "$WORK/consumers$tag.jsonl" --ahead 2 \
    >"$WORK/import-report$tag.json" || [[ $? -eq 1 ]]   # exit 1 = some lines refused (the generator plants 0.1 % bad lines)
  # The importer's backends end just after it does: wait (at most 10 s) until none is left, so their CPU time is in the
  # postmaster's reaped children's (an import measured at 0.4 s of PostgreSQL CPU for 200,000 rows without this wait).
  for _ in $(seq 1 100); do
    [[ $(SQL -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cms-import'") == 0 ]] && break
    sleep 0.1
  done
  ticks_after=$(pg_cpu_ticks)
  (( k > 1 )) && rm -f "$WORK/consumers$tag.jsonl"   # (a full-size tenant's file is gigabytes; the first one's is kept)
  read -r lines imported rejected seconds < <(python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); print(r["lines"], r["imported"], r["rejected"], r["seconds"])' "$WORK/import-report$tag.json")
  rate=$(python3 -c "print(round($lines / $seconds))")
  read -r user sys < <(tail -1 "$WORK/import$tag.time")   # (time prints "Command exited with non-zero status" first when it did)
  pg_cpu=$(python3 -c "print(($ticks_after - $ticks_before) / $(getconf CLK_TCK))")
  cpu_us=$(python3 -c "print(round(($user + $sys + $pg_cpu) * 1e6 / $lines, 1))")
  if (( k == 1 )); then
    out import_lines "$lines"
    out import_imported "$imported"
    out import_rejected "$rejected"
    out import_seconds "$seconds"
    out import_client_cpu_s "$(python3 -c "print(round($user + $sys, 1))")"
    out import_postgres_cpu_s "$(python3 -c "print(round($pg_cpu, 1))")"
    out import_cpu_us_per_row "$cpu_us"
    # What two otherwise idle cores would sustain at that CPU cost per row (an estimate, printed as such).
    out import_rows_per_s_two_idle_cores_estimate "$(python3 -c "print(round(2 * $lines / ($user + $sys + $pg_cpu)))")"
    IMPORT_RATE=$rate
  fi
  out "import_imported_tenant$k" "$imported"
  out "import_seconds_tenant$k" "$seconds"
  out "import_cpu_us_per_row_tenant$k" "$cpu_us"
  out "import_rows_per_s_tenant$k" "$rate"
}
# ---- 1a'. the database's own ceiling for the same rows, right after the measured tenant's import ----
# db_ceiling: the rows the import just wrote for the measured tenant (its consumers and their keys, the template consumer
# filed through the API left out), exported by the superuser with a server-side binary COPY TO into files in the
# cluster's directory, then loaded back with COPY ... FROM '<file>' (FORMAT binary), PostgreSQL's fastest load path, into
# fresh empty logged tables with the same columns, indexes and constraints (CREATE TABLE ... (LIKE ... INCLUDING ALL))
# and the same foreign keys (copied from the catalogue, the keys' one pointing at ceiling_consumers), at the cluster's
# synchronous_commit (the service sets none of its own), as the superuser: no client, no sealing, no RLS, no staging
# table. Loaded twice, the copies emptied (TRUNCATE) and checkpointed in between:
#   - one session (what the product's import uses: one connection, batch after batch) -> import_db_ceiling_one_session_*;
#   - one session per core (nproc), all started together -> import_db_ceiling_* (the database's limit on this machine:
#     one COPY keeps one core busy, so a single session leaves the other idle).
# The rows are cut into nproc contiguous shares in the import's order; a share is one transaction (its consumers, then
# their keys); the single session loads the shares one after the other.
# Each is timed wall-clock around the sessions (connections included, a few ms); the cluster's CPU by pg_cpu_ticks.
# The tables and files are dropped afterwards. Before the timed loads a VACUUM (ANALYZE) of the imported tables and a
# CHECKPOINT, so they pay neither for the autovacuum the import calls for nor for writing out the import's pages; after
# the drop another CHECKPOINT, so its WAL brings no checkpoint into a later measurement.
db_ceiling() {
  local dir="$PG_TMP/ceiling" exported pid need avail sessions i
  # Room for the files and the copies while the tables stay: twice the tables' size and 1 GB (a full-size tenant on a
  # small disk skips the ceiling rather than filling the disk; the run goes on without it).
  need=$(SQL -c "SELECT (2 * (pg_total_relation_size('consumers') + pg_total_relation_size('consumer_keys'))
                         * least(1, $CEILING_ROWS::float8 / greatest(1, (SELECT count(*) FROM consumers))))::bigint + 1073741824")
  avail=$(df -B1 --output=avail "$PG_TMP" | tail -1)
  if (( avail < need )); then
    blog "the database's own ceiling: skipped, it needs $(( need >> 30 )) GB free and $(( avail >> 30 )) GB are free"
    out import_db_ceiling "skipped (needs $(( need >> 30 )) GB free, $(( avail >> 30 )) GB free)"
    return 0
  fi
  sessions=$(nproc)
  as_pg mkdir -p "$dir"
  blog "the database's own ceiling: the same rows by COPY FROM file (FORMAT binary) into empty copies of the tables," \
       "by one session, then by $sessions at once"
  read -r exported pid < <(SQL -F " " -v tenant="$TENANT" -v template="$TEMPLATE_CONSUMER" -v max="$CEILING_ROWS" \
                               -v parts="$sessions" -v dir="$dir" <<'SQL'
CREATE TABLE ceiling_consumers (LIKE consumers INCLUDING ALL);
CREATE TABLE ceiling_consumer_keys (LIKE consumer_keys INCLUDING ALL);
-- No autovacuum on the copies: an ANALYZE of the truncated copy between the two loads records it as empty, the keys'
-- foreign-key check is then planned as a scan of ceiling_consumers, kept for the whole share, and the load turns
-- quadratic (a run of 2026-12-07 spent 11.5 CPU minutes a session on 199,800 rows the one session loaded in 4.9 s).
ALTER TABLE ceiling_consumers SET (autovacuum_enabled = off);
ALTER TABLE ceiling_consumer_keys SET (autovacuum_enabled = off);
DO $$
DECLARE c record;
BEGIN
  FOR c IN SELECT conrelid::regclass::text AS tbl, pg_get_constraintdef(oid) AS def FROM pg_constraint
           WHERE contype = 'f' AND conrelid IN ('consumers'::regclass, 'consumer_keys'::regclass) ORDER BY conrelid, conname
  LOOP
    EXECUTE format('ALTER TABLE %I ADD %s', 'ceiling_' || c.tbl,
                   regexp_replace(c.def, 'REFERENCES (public\.)?consumers\(', 'REFERENCES ceiling_consumers('));
  END LOOP;
  -- the copies have what the tables have: the same index definitions, the same kinds of constraint, keys to the same tables
  IF EXISTS (SELECT 1 FROM (VALUES ('consumers'), ('consumer_keys')) t(name)
             WHERE (SELECT string_agg(d, ';' ORDER BY d) FROM (
                      SELECT regexp_replace(pg_get_indexdef(indexrelid), 'INDEX \S+ ON \S+ ', 'INDEX ON ') AS d
                      FROM pg_index WHERE indrelid = t.name::regclass) i)
                   IS DISTINCT FROM
                   (SELECT string_agg(d, ';' ORDER BY d) FROM (
                      SELECT regexp_replace(pg_get_indexdef(indexrelid), 'INDEX \S+ ON \S+ ', 'INDEX ON ') AS d
                      FROM pg_index WHERE indrelid = ('ceiling_' || t.name)::regclass) i)
                OR (SELECT string_agg(d, ',' ORDER BY d) FROM (
                      SELECT contype::text || ' ' || regexp_replace(pg_get_constraintdef(oid), 'REFERENCES (public\.)?ceiling_', 'REFERENCES ') AS d
                      FROM pg_constraint WHERE conrelid = t.name::regclass) c)
                   IS DISTINCT FROM
                   (SELECT string_agg(d, ',' ORDER BY d) FROM (
                      SELECT contype::text || ' ' || regexp_replace(pg_get_constraintdef(oid), 'REFERENCES (public\.)?ceiling_', 'REFERENCES ') AS d
                      FROM pg_constraint WHERE conrelid = ('ceiling_' || t.name)::regclass) c)) THEN
    RAISE EXCEPTION 'bench: the ceiling tables do not have the indexes and constraints of consumers and consumer_keys';
  END IF;
END $$;
-- in the order the import wrote them (physical order of a table only inserted into), cut into :parts contiguous
-- shares (ntile), one pair of files each, every file in that order
-- (at most :max of them, the first written: a full-size tenant's ceiling is measured on its first rows, into empty
-- tables, which flatters the ceiling a little against an import whose indexes grew to the end)
CREATE TEMP TABLE ceiling_ids AS
SELECT id, ntile(:parts) OVER (ORDER BY ctid) AS part
FROM (SELECT id, ctid FROM consumers WHERE tenant_id = :'tenant' AND id <> :'template' ORDER BY ctid LIMIT :max) f;
SET bench.tenant = :'tenant';
SET bench.dir = :'dir';
DO $$
DECLARE p int;
BEGIN
  FOR p IN SELECT DISTINCT part FROM ceiling_ids ORDER BY 1 LOOP
    EXECUTE format('COPY (SELECT c.* FROM consumers c JOIN ceiling_ids i USING (id) WHERE c.tenant_id = %L AND i.part = %s ORDER BY c.ctid) TO %L (FORMAT binary)',
                   current_setting('bench.tenant'), p, current_setting('bench.dir') || '/consumers-' || p || '.bin');
    EXECUTE format('COPY (SELECT k.* FROM consumer_keys k JOIN ceiling_ids i ON i.id = k.consumer_id WHERE k.tenant_id = %L AND i.part = %s ORDER BY k.ctid) TO %L (FORMAT binary)',
                   current_setting('bench.tenant'), p, current_setting('bench.dir') || '/keys-' || p || '.bin');
  END LOOP;
END $$;
SELECT count(*), pg_backend_pid() FROM ceiling_ids;
-- the import's rows vacuumed and analysed now (generate.sql does it later anyway), so the autovacuum they call for does
-- not run during the timed load, then their pages written out
VACUUM (ANALYZE) consumers, consumer_keys;
CHECKPOINT;
SQL
)
  # A backend that has exited is counted by pg_cpu_ticks once the postmaster has reaped it (until then, while its
  # /proc entry lasts, as a live child): the ticks are read when the session before is gone, and after the timed ones.
  wait_reaped "$pid"
  ceiling_load one_session CEILING1 1 "$sessions" "$exported" "$dir"
  SQL -c "TRUNCATE ceiling_consumer_keys, ceiling_consumers" -c "CHECKPOINT"
  ceiling_load all_cores CEILING "$sessions" "$sessions" "$exported" "$dir"
  SQL -c "DROP TABLE ceiling_consumer_keys, ceiling_consumers" -c "CHECKPOINT"
  as_pg rm -rf "$dir"
  out import_db_ceiling_rows "$exported"
  out import_db_ceiling_sessions "$sessions"
  ceiling_figures
}
# ceiling_load NAME VAR N SHARES ROWS DIR: the timed load of the ceiling's SHARES pairs of files into the empty copies by
# N sessions at once (session s loads shares s, s + N, ...: all of them when N = 1), each share in one transaction (its
# consumers, then their keys); checks that every row arrived, prints import_db_ceiling_NAME_* and sets VAR_RATE and
# VAR_CPU_US. Each COPY is bounded (statement_timeout: 60 s and a second per 2,000 rows, twenty times what a quiet
# machine needs): a load that stops making progress (on 2026-12-07 one ran 11.5 CPU minutes a session on rows one
# session loads in 5 s) ends the run with a message instead of holding the bench lock.
ceiling_load() {
  local name=$1 var=$2 n=$3 parts=$4 rows=$5 dir=$6 s p pids=() ticks_before ticks_after start_ns end_ns seconds pg_cpu loaded
  local bound=$(( 60 + rows / 2000 ))
  ticks_before=$(pg_cpu_ticks)
  start_ns=$(date +%s%N)
  for (( s = 1; s <= n; s++ )); do
    {
      echo "SELECT 'backend', pg_backend_pid();"
      for (( p = s; p <= parts; p += n )); do
        [[ -e $dir/consumers-$p.bin ]] || continue   # (fewer rows than shares leaves the last ones empty)
        echo "BEGIN;"
        echo "COPY ceiling_consumers FROM '$dir/consumers-$p.bin' (FORMAT binary);"
        echo "COPY ceiling_consumer_keys FROM '$dir/keys-$p.bin' (FORMAT binary);"
        echo "COMMIT;"
      done
    } | PGOPTIONS="-c statement_timeout=${bound}s" SQL -F ' ' >"$WORK/ceiling-$name-$s.out" 2>"$WORK/ceiling-$name-$s.err" &
    pids+=("$!")
  done
  for (( s = 1; s <= n; s++ )); do   # (the sessions' pids, not the service)
    wait "${pids[s - 1]}" && continue
    if grep -q 'statement timeout' "$WORK/ceiling-$name-$s.err"; then
      echo "bench: the ceiling's COPY ($name, session $s) ran past its bound of $bound s (statement_timeout): no ceiling" \
           "figure; look at the plan of the keys' foreign-key check (a scan of ceiling_consumers turns the load quadratic)" >&2
    else
      echo "bench: a ceiling session ($name) failed: $(tail -3 "$WORK/ceiling-$name-$s.err")" >&2
    fi
    exit 1
  done
  end_ns=$(date +%s%N)
  for (( s = 1; s <= n; s++ )); do wait_reaped "$(awk '$1 == "backend" {print $2}' "$WORK/ceiling-$name-$s.out")"; done
  ticks_after=$(pg_cpu_ticks)
  loaded=$(SQL -c "SELECT (SELECT count(*) FROM ceiling_consumers) || ' ' || (SELECT count(*) FROM ceiling_consumer_keys)")
  [[ $loaded == "$rows $rows" ]] || { echo "bench: the ceiling ($name) loaded $loaded rows (consumers, keys), expected $rows each" >&2; exit 1; }
  seconds=$(python3 -c "print(($end_ns - $start_ns) / 1e9)")
  pg_cpu=$(python3 -c "print(($ticks_after - $ticks_before) / $(getconf CLK_TCK))")
  printf -v "${var}_RATE" '%s' "$(python3 -c "print(round($rows / $seconds))")"
  printf -v "${var}_CPU_US" '%s' "$(python3 -c "print(round($pg_cpu * 1e6 / $rows, 1))")"
  out "import_db_ceiling_${name}_seconds" "$(python3 -c "print(round($seconds, 3))")"
  out "import_db_ceiling_${name}_postgres_cpu_s" "$(python3 -c "print(round($pg_cpu, 1))")"
}
CEILING1_RATE="" CEILING1_CPU_US="" CEILING_RATE="" CEILING_CPU_US=""
wait_reaped() { # wait_reaped PID: until the process is gone from /proc (exited and reaped by its parent), at most 10 s
  local _
  for _ in $(seq 1 200); do [[ -e /proc/$1 ]] || return 0; sleep 0.05; done
  blog "backend $1 still there after 10 s"
}
ceiling_figures() { # the ceiling's headline figures (printed after the import and again with the headline figures)
  [[ -n $CEILING_RATE ]] || return 0
  out import_db_ceiling_one_session_cpu_us_per_row "$CEILING1_CPU_US"
  out import_db_ceiling_one_session_rows_per_s "$CEILING1_RATE"
  out import_vs_db_ceiling_one_session "$(ratio "$IMPORT_RATE" "$CEILING1_RATE")"
  out import_db_ceiling_cpu_us_per_row "$CEILING_CPU_US"
  out import_db_ceiling_rows_per_s "$CEILING_RATE"
  out import_vs_db_ceiling "$(ratio "$IMPORT_RATE" "$CEILING_RATE")"
}
# load_consumers: every tenant's consumers, the ceiling right after the first (measured) tenant's import.
load_consumers() {
  local k
  for (( k = 1; k <= TENANTS; k++ )); do
    import_tenant "$k"
    if (( k == 1 )); then db_ceiling; fi
  done
}

# ---- 1b. complaints, deadlines, notes, audit: the measured tenant's, then the others' ----
# generate_tenant K N FIRST: bench/generate.sql for tenant K, N complaints with the ids numbered from FIRST on (unique
# across tenants: they are UUIDs; the first tenant's from 1, which the pgbench mirrors' id formula relies on).
generate_tenant() {
  local k=$1 n=$2 first=$3 tag="" started
  (( k > 1 )) && tag="-$k"
  blog "tenant $k: generating $n complaints with deadlines, notes and audit entries (bench/generate.sql)"
  started=$(date +%s)
  # Progress and each step's time (psql \timing) go to generate.log; the steps are echoed here as they start.
  SQL -v tenant="${T_ID[k]}" -v n="$n" -v first="$first" -v template_complaint="${T_COMPLAINT[k]}" \
    -v template_note="${T_NOTE[k]}" -v template_description_complaint="${T_PLAIN[k]}" -v owner=cms_owner -f "$REPO_ROOT/bench/generate.sql" 2>&1 \
    | tee "$WORK/generate$tag.log" | grep --line-buffered '^\[generate\]' >&2 \
    || { tail -20 "$WORK/generate$tag.log" >&2; echo "bench: bench/generate.sql failed for tenant $k (log: $WORK/generate$tag.log)" >&2; exit 1; }
  if (( k == 1 )); then out generate_seconds "$(( $(date +%s) - started ))"
  else out "generate_seconds_tenant$k" "$(( $(date +%s) - started ))"; fi
}
# load_complaints: the measured tenant's complaints, then the other tenants'; the row counts.
load_complaints() {
  local k t
  generate_tenant 1 "$COMPLAINTS" 1
  if (( TENANTS > 1 )); then out other_complaints "$OTHER_COMPLAINTS"; fi
  for (( k = 2; k <= TENANTS; k++ )); do
    generate_tenant "$k" "$OTHER_COMPLAINTS" "$(( COMPLAINTS + (k - 2) * OTHER_COMPLAINTS + 1 ))"
  done
  # The measured tenant's rows (with one tenant, every row), and with more tenants every tenant's.
  for t in consumers complaints complaint_deadlines complaint_notes complaint_keywords audit_entries events; do
    out "rows_$t" "$(SQL -c "SELECT count(*) FROM $t WHERE tenant_id = '$TENANT'")"
    if (( TENANTS > 1 )); then out "rows_${t}_all_tenants" "$(SQL -c "SELECT count(*) FROM $t")"; fi
  done
}
