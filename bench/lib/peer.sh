# shellcheck shell=bash
# bench/lib/peer.sh: sourced by bench/run (defines only). Step 4: the same filings and complaint-by-id reads against
# the plain EF Core peer (bench/Peer: ASP.NET Core minimal API + EF Core, a global tenant query filter; no RLS, no
# encryption, no idempotency, no audit chain or change feed), what a .NET team would otherwise build:
#   - its own database `peer` in the same cluster, owned by a role `peer`, the schema created by EF Core (EnsureCreated)
#     when it starts; the measured tenant's consumers copied in (their ids, so the load's consumer-ids.txt are theirs
#     too; names and e-mails in plaintext), and COMPLAINTS complaints with the ids of the service's generated ones and
#     two deadlines each (bench/Peer/generate.sql), so both sides' complaint tables and indexes are the same size;
#   - the service stopped first (it has done its measurements), so the peer has the machine the service had;
#   - the peer as a real process (Kestrel, server GC, logging at Warning), the bench's bearer token accepted as the
#     service accepts it (the same HS256 key, issuer and audience: the tenant comes from its tenant_id claim);
#   - Cms.Bench load, the same scenarios, concurrency and seconds as the service's: file at CONCURRENCY and 32 clients,
#     byid at CONCURRENCY -> peer_filings_per_s, peer_filing_p99_ms, peer_filings_per_s_32, peer_filing_p99_ms_32,
#     peer_byid_req_per_s, peer_byid_p99_ms; filing_vs_peer (service filings/s / the peer's at CONCURRENCY clients),
#     filing_vs_peer_32, read_vs_peer (service complaint-by-id req/s / the peer's).
# The step runs in a process of its own (peer_step): a failure there prints peer=failed and leaves the run's other
# figures standing.
PEER_DLL="$REPO_ROOT/bench/Peer/bin/Release/net10.0/Peer.dll"
PEER_FILE_RPS="" PEER_FILE_RPS_32="" PEER_BYID_RPS=""

# measure_peer: the whole step; prints its figures (run by peer_step in a subshell, with errexit in force).
measure_peer() {
  local password port pid base
  password=$(random_password)
  psql -qAtX -d postgres -v ON_ERROR_STOP=1 -v password="$password" >/dev/null <<'SQL'
CREATE ROLE peer LOGIN PASSWORD :'password';
CREATE DATABASE peer OWNER peer;
SQL
  port=$(FIRST_PORT=58180 find_free_port)
  base="http://127.0.0.1:$port"
  Peer__ConnectionString="Host=127.0.0.1;Port=$PG_PORT;Database=peer;Username=peer;Password=$password;Maximum Pool Size=64" \
  Peer__SigningKey=$Cms__Auth__SigningKey ASPNETCORE_ENVIRONMENT=Production DOTNET_gcServer=1 Logging__LogLevel__Default=Warning \
    dotnet "$PEER_DLL" --urls "$base" >"$WORK/peer.log" 2>&1 &
  pid=$!
  echo "$pid" >"$WORK/peer.pid"   # (bench/run's exit stops it if this step is interrupted)
  # shellcheck disable=SC2064  # the pid is known now
  trap "kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f '$WORK/peer.pid'" EXIT
  for _ in $(seq 1 120); do curl -fs "$base/health" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "$base/health" >/dev/null || { cat "$WORK/peer.log" >&2; echo "bench: the peer did not become ready" >&2; exit 1; }
  blog "peer: pid $pid on $base; loading the measured tenant's consumers and $COMPLAINTS complaints"
  # The consumers' ids and creation times; the peer's external refs, names and e-mails are generated (the service's are
  # sealed), in plaintext as the peer keeps them.
  SQL -c "COPY (SELECT id, tenant_id, 'CUST-' || lpad(n::text, 10, '0'), 'Consumer ' || n, 'consumer' || n || '@example.test', created_at
                FROM (SELECT *, row_number() OVER (ORDER BY id) AS n FROM consumers WHERE tenant_id = '$TENANT') c) TO STDOUT" \
    | psql -qAtX -d peer -v ON_ERROR_STOP=1 -c 'COPY "Consumers" ("Id", "TenantId", "ExternalRef", "FullName", "Email", "CreatedAt") FROM STDIN'
  psql -qAtX -d peer -v ON_ERROR_STOP=1 -v tenant="$TENANT" -v n="$COMPLAINTS" -f "$REPO_ROOT/bench/Peer/generate.sql" >/dev/null
  out peer_rows_consumers "$(psql -qAtX -d peer -c 'SELECT count(*) FROM "Consumers"')"
  out peer_rows_complaints "$(psql -qAtX -d peer -c 'SELECT count(*) FROM "Complaints"')"
  out peer_rows_deadlines "$(psql -qAtX -d peer -c 'SELECT count(*) FROM "Deadlines"')"
  # One filing and its read checked before the load: 201, a reference, two deadlines, and the same read back; a
  # consumer of no tenant here is a 404.
  curl -fsS -o "$WORK/peer-filing.json" -X POST "$base/v1/complaints" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' --data "{\"consumerId\":\"$(head -1 "$WORK/consumer-ids.txt")\",$FILING_BODY}"
  curl -fsS -o "$WORK/peer-read.json" "$base/v1/complaints/$(jget id <"$WORK/peer-filing.json")" -H "Authorization: Bearer $TOKEN"
  python3 - "$WORK/peer-filing.json" "$WORK/peer-read.json" <<'PY'
import json, re, sys
filed, read = (json.load(open(f)) for f in sys.argv[1:3])
assert re.fullmatch(r"CMP-\d{4}-\d{6,}", filed["reference"]) and len(filed["deadlines"]) == 2, filed
assert (read["id"], read["reference"], len(read["deadlines"])) == (filed["id"], filed["reference"], 2), (filed, read)
PY
  [[ $(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/v1/complaints" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
       --data "{\"consumerId\":\"$(python3 -c 'import uuid; print(uuid.uuid4())')\",$FILING_BODY}") == 404 ]] \
    || { echo "bench: the peer filed for an unknown consumer" >&2; exit 1; }
  blog "peer: measuring: $CONCURRENCY and 32 clients, $SECONDS_EACH s each"
  read -r PEER_FILE_RPS PEER_FILE_P99 < <(BASE=$base LOAD_PREFIX=peer- api_run file "$WORK/consumer-ids.txt")
  out peer_filings_per_s "$PEER_FILE_RPS"; out peer_filing_p99_ms "$PEER_FILE_P99"
  read -r PEER_FILE_RPS_32 PEER_FILE_P99_32 < <(BASE=$base LOAD_PREFIX=peer- CONCURRENCY=32 api_run file "$WORK/consumer-ids.txt")
  out peer_filings_per_s_32 "$PEER_FILE_RPS_32"; out peer_filing_p99_ms_32 "$PEER_FILE_P99_32"
  read -r PEER_BYID_RPS PEER_BYID_P99 < <(BASE=$base LOAD_PREFIX=peer- api_run byid "$WORK/complaint-ids.txt")
  out peer_byid_req_per_s "$PEER_BYID_RPS"; out peer_byid_p99_ms "$PEER_BYID_P99"
  out peer_peak_memory_mb "$(( $(awk '/VmHWM/ {print $2}' "/proc/$pid/status") / 1024 ))"
}

# peer_step: the service stopped, then measure_peer in a background subshell (errexit holds there, which it would not
# in a condition) -> its figures on stdout, PEER_FILE_RPS, PEER_FILE_RPS_32, PEER_BYID_RPS; peer=failed if it failed.
peer_step() {
  local rc=0
  if [[ -n $API_PID ]] && kill -0 "$API_PID" 2>/dev/null; then kill "$API_PID"; wait "$API_PID" 2>/dev/null || true; fi
  measure_peer >"$WORK/peer.out" &
  wait "$!" || rc=$?
  cat "$WORK/peer.out"
  if (( rc != 0 )); then
    blog "peer: failed (exit $rc; its log: $WORK/peer.log)"
    out peer failed
    return 0
  fi
  PEER_FILE_RPS=$(peer_figure peer_filings_per_s) PEER_FILE_RPS_32=$(peer_figure peer_filings_per_s_32)
  PEER_BYID_RPS=$(peer_figure peer_byid_req_per_s)
}
peer_figure() { awk -F= -v name="$1" '$1 == name {print $2}' "$WORK/peer.out"; }

# peer_headline: the ratios against the peer, with the headline figures.
peer_headline() {
  [[ -n $PEER_FILE_RPS ]] || return 0
  out peer_filings_per_s "$PEER_FILE_RPS"
  out peer_byid_req_per_s "$PEER_BYID_RPS"
  out filing_vs_peer_32 "$(ratio "$API_FILE_RPS_32" "$PEER_FILE_RPS_32")"
  out read_vs_peer "$(ratio "$API_BYID_RPS" "$PEER_BYID_RPS")"
  out filing_vs_peer "$(ratio "$API_FILE_RPS" "$PEER_FILE_RPS")"
}
