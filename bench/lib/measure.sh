# shellcheck shell=bash
# bench/lib/measure.sh: sourced by bench/run (defines only). Step 2: the service measured side by side with pgbench
# running the same statements (bench/pgbench/*.sql, rendered with this run's ids) against the first tenant. Uses
# cluster.sh's SQL, api, jget and render_mirrors and bench/run's variables (WORK, SECONDS_EACH, CONCURRENCY, ...).

# prepare_ids: ids for the load, the same set for the service and for pgbench -> consumer-ids.txt, complaint-ids.txt,
# CONSUMER_ARRAY, DEEP_AT, DEEP_ID and the mirrors rendered into WORK/pgbench.
prepare_ids() {
  SQL -c "SELECT id FROM consumers WHERE tenant_id = '$TENANT' AND erased_at IS NULL ORDER BY random() LIMIT 64" >"$WORK/consumer-ids.txt"
  CONSUMER_ARRAY=$(paste -sd, "$WORK/consumer-ids.txt")
  SQL -c "SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(1 + floor(random() * $COMPLAINTS)::bigint), 12, '0')) FROM generate_series(1, 100000)" >"$WORK/complaint-ids.txt"
  read -r DEEP_AT DEEP_ID < <(SQL -F ' ' -c "SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), id FROM complaints WHERE tenant_id = '$TENANT' ORDER BY received_at, id OFFSET 999999 LIMIT 1")
  render_mirrors "$WORK/pgbench" "$CONSUMER_ARRAY" 64 "$COMPLAINTS" "$DEEP_AT" "$DEEP_ID"
}

# pgbench_run SCRIPT USER CLIENTS -> "tps latency_ms p99_ms": the p99 (of every transaction's latency, from pgbench's
# per-transaction log) only with PGBENCH_P99=1, else "-" (the log costs pgbench a line a transaction).
pgbench_run() {
  local script=$1 user=$2 clients=$3 password log=()
  if [[ $user == cms_app ]]; then password=$APP_PW; else password=$PG_PASSWORD; fi
  rm -f "$WORK/pgbench-log-$script".*
  # PGBENCH_LOG=PREFIX: every transaction's latency logged too (pgbench -l, PREFIX.<pid>), read by the caller
  if [[ -n ${PGBENCH_LOG:-} ]]; then log=(-l --log-prefix="$PGBENCH_LOG")
  elif [[ ${PGBENCH_P99:-0} == 1 ]]; then log=(-l --log-prefix "$WORK/pgbench-log-$script"); fi
  PGPASSWORD=$password pgbench -n -M extended -h 127.0.0.1 -p "$PG_PORT" -U "$user" -d cms -c "$clients" -j "$(( clients < 2 ? 1 : 2 ))" \
    -T "$SECONDS_EACH" "${log[@]}" -f "$WORK/pgbench/$script" 2>"$WORK/pgbench-$script.err" >"$WORK/pgbench-$script.out" \
    || { cat "$WORK/pgbench-$script.err" "$WORK/pgbench-$script.out" >&2; return 1; }
  python3 - "$WORK/pgbench-$script.out" "$WORK/pgbench-log-$script" <<'PY'
import glob, re, sys
text = open(sys.argv[1]).read()
tps = float(re.search(r"tps = ([0-9.]+)", text).group(1))
lat = float(re.search(r"latency average = ([0-9.]+) ms", text).group(1))
# A log line: client_id transaction_no latency_us script_no epoch_s epoch_us.
times = sorted(int(line.split()[2]) for f in glob.glob(sys.argv[2] + ".*") for line in open(f))
p99 = f"{times[min(len(times) - 1, int(len(times) * 0.99))] / 1000:.2f}" if times else "-"
print(tps, lat, p99)
PY
}
# pgbench_interleaved SCRIPT_A SCRIPT_B -> "latency_a_ms latency_b_ms": both scripts in ONE one-client run as cms_app
# (pgbench picks one of the two at random for each transaction, weights 1:1, for twice SECONDS_EACH), so the two
# latencies come from the same seconds of the machine: a VM's CPU varies by tens of percent between two 10-second
# windows here, which one run after the other turned into ratio noise.
pgbench_interleaved() {
  local a=$1 b=$2 out="$WORK/pgbench-$1+$2.out"
  PGPASSWORD=$APP_PW pgbench -n -M extended -h 127.0.0.1 -p "$PG_PORT" -U cms_app -d cms -c 1 -j 1 -T "$(( 2 * SECONDS_EACH ))" \
    -f "$WORK/pgbench/$a@1" -f "$WORK/pgbench/$b@1" 2>"$out.err" >"$out" || { cat "$out.err" "$out" >&2; return 1; }
  python3 - "$out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
lat = re.findall(r"SQL script \d+: .*?\n(?:.*\n)*? - latency average = ([0-9.]+) ms", text)
if len(lat) != 2:
    sys.exit("bench: pgbench did not report a latency per script")
print(*lat)
PY
}
# pgbench_alternating SCRIPT USER SCRIPT USER -> "latency_a_ms latency_b_ms mean_a_ms mean_b_ms ratio_lo ratio_hi": two
# scripts that need different users (the RLS comparison: cms_app against the superuser) cannot share one run, so they
# alternate a, b, b, a, a, b, b, a in runs of SECONDS_EACH / 4 (the same total time as one run each), every transaction's
# latency logged. A side's latency is the MEDIAN over its four runs of each run's FASTEST transaction: at one client on two
# shared cores most transactions of a busy minute wait for a core (pgbench's or its backend's), so a run's mean and even its
# median move by several times between runs of the same script (1.0-2.6 ms for a 0.3 ms query at load 17-20), while its
# fastest transaction, one that waited for nothing, stays within a few per cent. The means are kept beside them, and the
# spread is the ratio within each of the two a, b, b, a halves (lo, hi).
pgbench_alternating() {
  local a=$1 ua=$2 b=$3 ub=$4 quarter pair k=0 dir="$WORK/latencies-$1"
  quarter=$(( SECONDS_EACH > 3 ? SECONDS_EACH / 4 : 1 ))
  rm -rf "$dir" && mkdir -p "$dir"
  for pair in "$a $ua" "$b $ub" "$b $ub" "$a $ua" "$a $ua" "$b $ub" "$b $ub" "$a $ua"; do
    k=$(( k + 1 ))
    # shellcheck disable=SC2086
    PGBENCH_LOG="$dir/$k-${pair%% *}" SECONDS_EACH=$quarter pgbench_run $pair 1 >/dev/null
  done
  python3 - "$dir" "$a" <<'PY'
import glob, os, statistics, sys
folder, a = sys.argv[1], sys.argv[2]
runs = {}  # run number -> (side, latencies in ms)
for path in glob.glob(os.path.join(folder, "*-*")):
    number, rest = os.path.basename(path).split("-", 1)
    which = "a" if rest.startswith(a) else "b"
    lat = [int(line.split()[2]) / 1000 for line in open(path) if line.strip()]
    runs.setdefault(int(number), (which, []))[1].extend(lat)
if sorted(runs) != list(range(1, 9)) or any(not v for _, v in runs.values()):
    sys.exit("bench: pgbench logged no transactions for a run")
def side(name, numbers):
    return [runs[n][1] for n in numbers if runs[n][0] == name]
def floor(name, numbers):
    return statistics.median(min(lat) for lat in side(name, numbers))
def mean(name):
    return statistics.mean(x for lat in side(name, range(1, 9)) for x in lat)
halves = [floor("a", h) / floor("b", h) for h in (range(1, 5), range(5, 9))]
print(round(floor("a", range(1, 9)), 3), round(floor("b", range(1, 9)), 3), round(mean("a"), 3), round(mean("b"), 3),
      f"{min(halves):.3f}", f"{max(halves):.3f}")
PY
}
# api_run SCENARIO IDS -> "rps p99_ms" of the service at BASE (its output kept as load-${LOAD_PREFIX}SCENARIO.out)
api_run() { # api_run SCENARIO IDS [--callers FILE]
  local output="$WORK/load-${LOAD_PREFIX:-}$1.out"
  dotnet "$BENCH_DLL" load --base "$BASE" --token "$TOKEN" --scenario "$1" --concurrency "$CONCURRENCY" \
    --seconds "$SECONDS_EACH" --warmup 3 --ids "$2" "${@:3}" >"$output"
  python3 - "$output" <<'PY'
import sys
kv = dict(l.strip().split("=", 1) for l in open(sys.argv[1]) if "=" in l)
print(kv["rps"], kv["p99_ms"])
PY
}

# measure_writes: filings over HTTP against the filing's statements and writes alone in pgbench, at CONCURRENCY and 32
# clients, and in one tenant against 32 tenants -> API_FILE_*, PG_FILE_*.
measure_writes() {
  local k spread_id spread_token spread_consumer
  blog "measuring: $CONCURRENCY clients, $SECONDS_EACH s each"
  read -r API_FILE_RPS API_FILE_P99 < <(api_run file "$WORK/consumer-ids.txt")
  out api_file_rps "$API_FILE_RPS"; out p99_ms_file "$API_FILE_P99"
  read -r PG_FILE_TPS _ < <(pgbench_run filing.sql cms_app "$CONCURRENCY")
  out pgbench_file_tps "$PG_FILE_TPS"
  read -r PG_FILE_WRITES_TPS _ < <(pgbench_run filing-writes.sql cms_app "$CONCURRENCY")
  out pgbench_filing_writes_tps "$PG_FILE_WRITES_TPS"
  read -r API_FILE_RPS_32 API_FILE_P99_32 < <(CONCURRENCY=32 api_run file "$WORK/consumer-ids.txt")
  out api_file_rps_32 "$API_FILE_RPS_32"; out p99_ms_file_32 "$API_FILE_P99_32"
  read -r PG_FILE_WRITES_TPS_32 _ PG_FILE_WRITES_P99_32 < <(PGBENCH_P99=1 pgbench_run filing-writes.sql cms_app 32)
  out pgbench_filing_writes_tps_32 "$PG_FILE_WRITES_TPS_32"; out pgbench_filing_writes_p99_ms_32 "$PG_FILE_WRITES_P99_32"
  # (issue 17's p99 <= 40 ms at 32 clients, restated against what the machine can do in the same run: bench/run's
  # p99_file_32_vs_limit divides the service's p99 by this one)
  # tenant_write_scaling: the 32 clients above file in one tenant; here 32 clients each file in a tenant of its own (created
  # now, one consumer each). A tenant's writers that wait on one another (a per-tenant hot row) show as a ratio below 1.
  : >"$WORK/callers-32.txt"
  for k in $(seq 1 32); do
    spread_id=$(TOKEN=$PLATFORM_TOKEN api POST /v1/tenants \
      "{\"name\":\"Spread Bank $k\",\"sector\":\"banking\",\"jurisdiction\":\"UK\",\"admin\":{\"subject\":\"spread-admin\",\"email\":\"spread-$k@bench.test\",\"displayName\":\"Spread Admin\"}}" | jget id)
    spread_token=$(dotnet "$API_DLL" token --tenant "$spread_id" --sub spread-admin)
    spread_consumer=$(TOKEN=$spread_token api POST /v1/consumers \
      '{"externalRef":"SPREAD-1","fullName":"Spread Consumer","email":"spread@bench.test"}' | jget id)
    echo "$spread_token $spread_consumer" >>"$WORK/callers-32.txt"
  done
  read -r API_FILE_SPREAD_RPS_32 API_FILE_SPREAD_P99_32 < <(CONCURRENCY=32 api_run file "$WORK/consumer-ids.txt" --callers "$WORK/callers-32.txt")
  out api_file_spread_rps_32 "$API_FILE_SPREAD_RPS_32"; out p99_ms_file_spread_32 "$API_FILE_SPREAD_P99_32"
}

# measure_rls: rls_overhead's two sides for each hot read (pgbench_alternating) -> RLS_{QUEUE,BYID}_{APP,OWNER}.
measure_rls() {
  local app owner mean_app mean_owner lo hi read
  for read in queue byid; do
    read -r app owner mean_app mean_owner lo hi < <(pgbench_alternating "rls-$read-app.sql" cms_app "rls-$read-owner.sql" postgres)
    out "rls_${read}_ms" "$app/$owner"   # each side's median over its runs of the run's fastest transaction
    out "rls_overhead_$read" "$(ratio "$app" "$owner")"
    out "rls_overhead_${read}_spread" "$lo-$hi"   # the ratio in each a, b, b, a half
    out "rls_overhead_${read}_of_means" "$(ratio "$mean_app" "$mean_owner")"   # the statistic before 2026-12-07 s8
    printf -v "RLS_${read^^}_APP" %s "$app"; printf -v "RLS_${read^^}_OWNER" %s "$owner"
  done
}
# measure_reads: the queue, complaint-by-id and keyword search over HTTP against pgbench; RLS and the deep page in
# pgbench alone -> API_QUEUE_*, API_BYID_*, API_SEARCH_*, PG_*_TPS, RLS_*, PAGE_*, PEAK_RSS_KB (the service's, after all).
measure_reads() {
  read -r API_QUEUE_RPS API_QUEUE_P99 < <(api_run queue "$WORK/complaint-ids.txt")
  out api_queue_rps "$API_QUEUE_RPS"; out p99_ms_queue "$API_QUEUE_P99"
  read -r PG_QUEUE_TPS _ < <(pgbench_run queue.sql cms_app "$CONCURRENCY")
  out pgbench_queue_tps "$PG_QUEUE_TPS"
  read -r API_BYID_RPS API_BYID_P99 < <(api_run byid "$WORK/complaint-ids.txt")
  out api_byid_rps "$API_BYID_RPS"; out p99_ms_byid "$API_BYID_P99"
  read -r PG_BYID_TPS _ < <(pgbench_run byid.sql cms_app "$CONCURRENCY")
  out pgbench_byid_tps "$PG_BYID_TPS"
  out read_ratio_queue "$(ratio "$API_QUEUE_RPS" "$PG_QUEUE_TPS")"
  out read_ratio_byid "$(ratio "$API_BYID_RPS" "$PG_BYID_TPS")"
  read -r API_SEARCH_RPS API_SEARCH_P99 < <(api_run search "$WORK/complaint-ids.txt" --query "$SEARCH_WORD")
  out search_rps "$API_SEARCH_RPS"; out search_p99_ms "$API_SEARCH_P99"
  read -r PG_SEARCH_TPS _ < <(pgbench_run search.sql cms_app "$CONCURRENCY")
  out pgbench_search_tps "$PG_SEARCH_TPS"
  out search_ratio "$(ratio "$API_SEARCH_RPS" "$PG_SEARCH_TPS")"
  measure_rls
  read -r PAGE_FIRST PAGE_DEEP < <(pgbench_interleaved page-first.sql page-deep.sql)
  out page_first_ms "$PAGE_FIRST"; out page_deep_ms "$PAGE_DEEP"
  PEAK_RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$API_PID/status")
}
