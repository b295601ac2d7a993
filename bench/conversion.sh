# bench/conversion.sh: step 3 of bench/run (--conversion N), sourced by it after the measurements; uses its functions
# and variables (setup_tenant, SQL, api, out, blog, WORK, API_DLL, BENCH_DLL, TENANT, SEARCH_WORD, ...).
#
# The online conversion of issue 19 (seal-free-text, FreeTextConversion) on a tenant of its own, so the measured tenant
# is left as it was: N complaints, and a note on every tenth, written as rows from before free text was sealed looked
# (the shape FreeTextConversionTests builds: plaintext description and note body, text_sealed = false, the vulnerability
# in the plain columns, no vulnerability_details, no keyword rows), copied from the tenant's template complaint and note
# (filed through the API) and spread over 1,000 consumers imported through import-consumers (a consumer key unwrapped
# per consumer, as a real tenant's conversion does). Then seal-free-text --tenant runs over them as its own process while
# this script keeps reading through the service, one GET a second alternating between a converting complaint and a
# keyword search on the measured tenant, and reports:
#   conversion_rows             rows sealed (complaints and notes), as the command reports it
#   conversion_seconds          wall-clock of the command (its start-up included)
#   conversion_rows_per_s       conversion_rows / conversion_seconds
#   conversion_progress_last_*  the command's last progress line per table (its own rate)
#   conversion_reads_ok/failed  the GETs during the run; conversion_reads_max_ms the slowest
# Checked after: no unsealed row left in that tenant, and each complaint carries keyword rows again.
CONV_K=$(( TENANTS + 1 ))
blog "conversion: tenant $CONV_K with $CONVERSION legacy (plaintext) complaints, then seal-free-text over them"
setup_tenant "$CONV_K"
CONV_TENANT=${T_ID[CONV_K]} CONV_TOKEN=${T_TOKEN[CONV_K]}
# The search meanwhile: on the measured tenant; with --conversion-only (nothing loaded there) on the converting tenant
# itself, whose keyword index the conversion is writing ("transfer" is in every legacy description).
CONV_SEARCH_TOKEN=$TOKEN
[[ ${CONVERSION_ONLY:-0} -eq 1 ]] && CONV_SEARCH_TOKEN=$CONV_TOKEN
dotnet "$BENCH_DLL" consumers --count 1000 --seed 99 --start "$(( TENANTS * CONSUMERS + 1 ))" >"$WORK/consumers-legacy.jsonl"
dotnet "$API_DLL" import-consumers --tenant "$CONV_TENANT" --as bench-admin --file "$WORK/consumers-legacy.jsonl" \
  >"$WORK/import-report-legacy.json" || [[ $? -eq 1 ]]
SQL -v tenant="$CONV_TENANT" -v template="${T_COMPLAINT[CONV_K]}" -v note="${T_NOTE[CONV_K]}" -v n="$CONVERSION" <<'SQL'
SET synchronous_commit = off;
CREATE TEMP TABLE legacy_consumers AS
SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM consumers WHERE tenant_id = :'tenant' AND erased_at IS NULL;
SELECT count(*) AS consumer_count FROM legacy_consumers \gset
-- every column of the template complaint, but the row's own id, reference and consumer, and the legacy free text
INSERT INTO complaints
SELECT (jsonb_populate_record(t, jsonb_build_object(
           'id', gen_random_uuid(), 'reference', 'LEGACY-' || lpad(i::text, 10, '0'), 'consumer_id', c.id,
           'description', 'Charged twice for the same transfer.', 'vulnerability_details', NULL, 'text_sealed', false))).*
FROM complaints t
CROSS JOIN generate_series(1, :n) AS i
JOIN legacy_consumers c ON c.n = i % :consumer_count
WHERE t.tenant_id = :'tenant' AND t.id = :'template';
INSERT INTO complaint_notes
SELECT (jsonb_populate_record(n, jsonb_build_object(
           'id', gen_random_uuid(), 'complaint_id', c.id, 'body', 'Called the consumer back.', 'text_sealed', false))).*
FROM complaint_notes n
CROSS JOIN complaints c
WHERE n.tenant_id = :'tenant' AND n.id = :'note'
  AND c.tenant_id = :'tenant' AND c.reference LIKE 'LEGACY-%0';
VACUUM (ANALYZE) complaints, complaint_notes;
SQL
CONV_IDS=$(SQL -c "SELECT id FROM complaints WHERE tenant_id = '$CONV_TENANT' AND text_sealed = false ORDER BY random() LIMIT 50" | paste -sd' ')
read -r CONV_LEGACY_COMPLAINTS CONV_LEGACY_NOTES < <(SQL -F ' ' -c "SELECT
  (SELECT count(*) FROM complaints WHERE tenant_id = '$CONV_TENANT' AND text_sealed = false),
  (SELECT count(*) FROM complaint_notes WHERE tenant_id = '$CONV_TENANT' AND text_sealed = false)")
out conversion_legacy_complaints "$CONV_LEGACY_COMPLAINTS"
out conversion_legacy_notes "$CONV_LEGACY_NOTES"

blog "conversion: seal-free-text --tenant $CONV_TENANT (progress in $WORK/conversion-progress.log), GETs meanwhile"
conv_started=$(date +%s%N)
dotnet "$API_DLL" seal-free-text --tenant "$CONV_TENANT" --batch 500 >"$WORK/conversion.out" 2>"$WORK/conversion-progress.log" &
CONV_PID=$!
conv_ok=0 conv_failed=0 conv_max_ms=0 conv_i=0
read -r -a conv_ids <<<"$CONV_IDS"
while kill -0 "$CONV_PID" 2>/dev/null; do
  if (( conv_i % 2 == 0 )); then
    conv_result=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $CONV_TOKEN" \
      "$BASE/v1/complaints/${conv_ids[conv_i / 2 % ${#conv_ids[@]}]}")
  else
    conv_result=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $CONV_SEARCH_TOKEN" \
      "$BASE/v1/complaints?q=$SEARCH_WORD&limit=50")
  fi
  conv_i=$(( conv_i + 1 ))
  if [[ ${conv_result%% *} == 200 ]]; then conv_ok=$(( conv_ok + 1 )); else conv_failed=$(( conv_failed + 1 )); fi
  conv_max_ms=$(python3 -c "print(max($conv_max_ms, round(${conv_result#* } * 1000, 1)))")
  sleep 1
done
wait "$CONV_PID" || { tail -20 "$WORK/conversion-progress.log" >&2; echo "bench: seal-free-text failed" >&2; exit 1; }
conv_ended=$(date +%s%N)
CONV_ROWS=$(grep -oE '^[0-9]+ row\(s\) sealed' "$WORK/conversion.out" | cut -d' ' -f1)
CONV_SECONDS=$(python3 -c "print(round(($conv_ended - $conv_started) / 1e9, 1))")
{ grep '^\[seal-free-text\]' "$WORK/conversion-progress.log" || true; } | head -3 | while read -r line; do blog "$line"; done
blog "..."
{ grep '^\[seal-free-text\]' "$WORK/conversion-progress.log" || true; } | tail -3 | while read -r line; do blog "$line"; done
out conversion_progress_lines "$(grep -c '^\[seal-free-text\]' "$WORK/conversion-progress.log" || true)"
for conv_table in complaints complaint_notes; do
  out "conversion_progress_last_$conv_table" "\"$(grep "^\[seal-free-text\] .* $conv_table:" "$WORK/conversion-progress.log" | tail -1 || true)\""
done
read -r CONV_LEFT CONV_UNINDEXED < <(SQL -F ' ' -c "SELECT
  (SELECT count(*) FROM complaints WHERE tenant_id = '$CONV_TENANT' AND text_sealed = false)
  + (SELECT count(*) FROM complaint_notes WHERE tenant_id = '$CONV_TENANT' AND text_sealed = false),
  (SELECT count(*) FROM complaints c WHERE tenant_id = '$CONV_TENANT'
     AND NOT EXISTS (SELECT FROM complaint_keywords k WHERE k.tenant_id = c.tenant_id AND k.complaint_id = c.id))")
[[ $CONV_LEFT == 0 ]] || { echo "bench: seal-free-text left $CONV_LEFT rows unsealed" >&2; exit 1; }
out conversion_unindexed_complaints "$CONV_UNINDEXED"
out conversion_reads_ok "$conv_ok"
out conversion_reads_failed "$conv_failed"
out conversion_reads_max_ms "$conv_max_ms"
out conversion_rows "$CONV_ROWS"
out conversion_seconds "$CONV_SECONDS"
out conversion_rows_per_s "$(python3 -c "print(round($CONV_ROWS / $CONV_SECONDS))")"
