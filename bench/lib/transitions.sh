# shellcheck shell=bash
# bench/lib/transitions.sh: one transition (acknowledge) and one note, measured like the filing (sourced by bench/run).
#   transitions_check_mirrors   inside the mirror check: one acknowledge and one note through the API against their
#                               mirrors (acknowledge.sql, note.sql: the service's statements in its round trips), the
#                               writes-only mirrors (acknowledge-writes.sql, note-writes.sql) checked to be the service's
#                               statements, and the round trips of each counted on its mirror
#   transitions_measure         after the filings: HTTP at 8 and 32 clients (Cms.Bench load --scenario acknowledge|note)
#                               beside pgbench of the service's statements and of the writes alone in one pipeline
#   transitions_figures         the headline figures: *_round_trips, *_write_ratio (HTTP / writes alone, 8 clients), p99
# Uses bench/lib's helpers (cluster.sh: api, jget, SQL; mirrors.sh: check_mirror, compare_mirror, includes; measure.sh:
# pgbench_run, api_run) and bench/run's out, ratio, WORK.

NOTE_BODY='{"kind":"internal","body":"Called the consumer back."}'

# api_if_match VERSION METHOD PATH -> body: a lifecycle step with If-Match; fails on non-2xx
api_if_match() {
  curl -fsS -X "$2" "$BASE$3" -H "Authorization: Bearer $TOKEN" -H "If-Match: \"$1\""
}

# on_complaint ID SCRIPT...: the rendered mirrors with the generated complaint's id (computed from :ci) replaced by ID
on_complaint() {
  python3 - "$@" <<'PY'
import sys
generated = "('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid"
for path in sys.argv[2:]:
    text = open(path).read()
    open(path, "w").write(text.replace(generated, f"'{sys.argv[1]}'::uuid"))
PY
}

transitions_check_mirrors() {
  local warm captured mark
  # two complaints of the template consumer: one acknowledged to warm the path, one acknowledged under the log
  warm=$(api POST /v1/complaints "{\"consumerId\":\"$TEMPLATE_CONSUMER\",$FILING_BODY}" | jget id)
  captured=$(api POST /v1/complaints "{\"consumerId\":\"$TEMPLATE_CONSUMER\",$FILING_BODY}" | jget id)
  api_if_match 1 POST "/v1/complaints/$warm/acknowledge" >/dev/null
  # the check's mirrors act on these complaints (the generated ones, which the measured mirrors pick, come later)
  on_complaint "$captured" "$WORK"/pgbench-check/acknowledge{,-writes}.sql
  on_complaint "$TEMPLATE_COMPLAINT" "$WORK"/pgbench-check/note{,-writes}.sql
  mark=$(wc -l <"$PG_LOG")
  api_if_match 1 POST "/v1/complaints/$captured/acknowledge" >"$WORK/statements-ack.response.json"
  sleep 0.3
  tail -n +"$((mark + 1))" "$PG_LOG" >"$WORK/statements-ack.service.log"
  compare_mirror ack AcknowledgeComplaint acknowledge.sql
  includes AcknowledgeComplaint "$WORK/statements-ack.service.log" "$WORK/pgbench-check/acknowledge-writes.sql"
  ACK_ROUND_TRIPS=$(python3 "$REPO_ROOT/bench/statements.py" --round-trips AcknowledgeComplaint "$WORK/statements-ack.service.log" \
    "$WORK/pgbench-check/acknowledge.sql") || MIRRORS_OK=0
  check_mirror note AddNote note.sql POST "/v1/complaints/$TEMPLATE_COMPLAINT/notes" "$NOTE_BODY"
  includes AddNote "$WORK/statements-note.service.log" "$WORK/pgbench-check/note-writes.sql"
  NOTE_ROUND_TRIPS=$(python3 "$REPO_ROOT/bench/statements.py" --round-trips AddNote "$WORK/statements-note.service.log" \
    "$WORK/pgbench-check/note.sql") || MIRRORS_OK=0
}

# measure_one_write NAME SCENARIO IDS_8 IDS_32: HTTP (Cms.Bench load) at 8 and 32 clients, then pgbench of NAME.sql
# (the service's statements) and NAME-writes.sql (the writes alone) at 8 -> API_RPS[NAME], API_P99[NAME],
# API_P99_32[NAME], PG_TPS[NAME], PG_WRITES_TPS[NAME]
declare -A API_RPS API_P99 API_P99_32 PG_TPS PG_WRITES_TPS
measure_one_write() {
  local name=$1 rps p99
  read -r rps p99 < <(api_run "$2" "$3")
  out "api_${name}_rps" "$rps"; out "p99_ms_${name}_8" "$p99"; API_RPS[$name]=$rps API_P99[$name]=$p99
  read -r rps p99 < <(CONCURRENCY=32 api_run "$2" "$4")
  out "api_${name}_rps_32" "$rps"; out "p99_ms_${name}_32" "$p99"; API_P99_32[$name]=$p99
  read -r rps _ < <(pgbench_run "$name.sql" cms_app "$CONCURRENCY")
  out "pgbench_${name}_tps" "$rps"; PG_TPS[$name]=$rps
  read -r rps _ < <(pgbench_run "$name-writes.sql" cms_app "$CONCURRENCY")
  out "pgbench_${name}_writes_tps" "$rps"; PG_WRITES_TPS[$name]=$rps
}

transitions_measure() {
  local half
  # received complaints of the generated tenant (version 1), each acknowledged once: one half for 8 clients, one for 32.
  # Generated ones only (bench/generate.sql's ids), which the pgbench mirrors act on too: the rows pgbench's filing
  # mirrors inserted carry a captured ciphertext sealed for another row, which the service rightly refuses to open (500).
  SQL -c "SELECT id || ' ' || version FROM complaints WHERE tenant_id = '$TENANT' AND status = 'received'
          AND id::text LIKE '00000000-0000-7000-8000-%' ORDER BY random() LIMIT 60000" \
    >"$WORK/received-ids.txt"
  half=$(( $(wc -l <"$WORK/received-ids.txt") / 2 ))
  head -n "$half" "$WORK/received-ids.txt" >"$WORK/received-ids-8.txt"
  tail -n +"$(( half + 1 ))" "$WORK/received-ids.txt" >"$WORK/received-ids-32.txt"
  out received_complaints "$(wc -l <"$WORK/received-ids.txt")"
  measure_one_write acknowledge acknowledge "$WORK/received-ids-8.txt" "$WORK/received-ids-32.txt"
  measure_one_write note note "$WORK/complaint-ids.txt" "$WORK/complaint-ids.txt"
}

transitions_figures() {
  local name
  out acknowledge_round_trips "$ACK_ROUND_TRIPS"
  out note_round_trips "$NOTE_ROUND_TRIPS"
  for name in acknowledge note; do
    out "${name}_write_ratio" "$(ratio "${API_RPS[$name]}" "${PG_WRITES_TPS[$name]}")"
    out "${name}_write_ratio_statements" "$(ratio "${API_RPS[$name]}" "${PG_TPS[$name]}")"
    out "p99_ms_${name}" "${API_P99[$name]}/${API_P99_32[$name]}"
  done
}
