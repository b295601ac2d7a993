#!/usr/bin/env bash
# THE test command: bash scripts/test.sh [extra dotnet test args, e.g. --filter Category=Domain]
#
# Starts a private, throwaway PostgreSQL 15 cluster on 127.0.0.1 (free port, random
# superuser password), runs `dotnet test` against it, stops it again and prints one
# closing line: "N passed, N failed, N skipped". Exits non-zero if anything failed.
#
# Environment it reads (all optional):
#   CMS_TEST_TARGET   what dotnet test runs (default: Cms.sln in the repo root)
#   CMS_TEST_PG_BIN   PostgreSQL binaries (default: /usr/lib/postgresql/15/bin)
# Environment it exports to the tests:
#   CMS_TEST_PG_ADMIN        Npgsql connection string for the superuser `postgres`
#   CMS_TEST_REQUIRE_PG=1    tests fail, not skip, when PostgreSQL is unreachable
#   CMS_TEST_PG_BIN          the PostgreSQL bin directory used (pg_basebackup, pg_ctl: the replica test)
#   CMS_TEST_PGBOUNCER       path of the pgbouncer binary (empty if it could not be installed)
#   CMS_TEST_REDOCLY         the OpenAPI linter (tools/openapi-lint, installed from its package-lock with npm ci)
#   CMS_TEST_PATRONI, CMS_TEST_PATRONICTL, CMS_TEST_ETCD
#                            Patroni 3.0 and etcd 3.4 (Debian packages patroni, etcd-server) for the failover tests
#                            (Cms.Tests/Support/PatroniCluster.cs starts them when a fixture needs them; empty if they
#                            could not be installed, and those tests then fail)
#   CMS_TEST_OWNED_PIDS      a file where fixtures list the long-running processes they start ("pid starttime" lines):
#                            whatever is still running at the end (a crashed test host) is ended here, by pid
#   CMS_TEST_OIDC_PROVIDER   the OpenID Connect provider the tests start (tools/oidc-provider, installed with npm ci)
#
# A full run (no arguments, or CMS_TEST_CLIENTS=1) then runs the generated clients against the service
# (scripts/client-tests.sh: Kiota C# and openapi-typescript clients from the document this build serves); their flows
# count in the closing line.
#
# As root the cluster runs as the OS user `postgres` (initdb refuses root); as a non-root
# developer it runs as that developer, and sudo is used only to apt-get install what is missing.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CMS_TEST_TARGET:-Cms.sln}
RESULTS_DIR="$REPO_ROOT/TestResults"
PG_BIN=${CMS_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}
FIRST_PORT=55432

OWNED_PIDS=""  # CMS_TEST_OWNED_PIDS: processes fixtures started, ended at exit if still running
PG_TMP=""    # this run's temp dir: data/, the unix socket, the server log
PG_LOG=""
PG_PORT=""
APT_UPDATED=0

log() { printf '[test.sh] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# Run a command as root: directly when we are root, else via passwordless sudo if there is one.
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 1
  fi
}

# Run a command as the OS user that owns the cluster. The cd matters: the caller's cwd
# (e.g. a clone under /root) may be unreadable for postgres, and initdb/pg_ctl complain.
as_pg() {
  if is_root; then
    (cd "$PG_TMP" && runuser -u postgres -- "$@")
  else
    (cd "$PG_TMP" && "$@")
  fi
}

# ensure_pkg PACKAGE BINARY: apt-get install PACKAGE only if BINARY (a path, or a command
# name looked up in PATH) is missing. Package scripts must not start system services (the
# postgresql-15 package would start a cluster on 5432 and leave it running), so unless the
# machine already has a policy-rc.d (Docker images do), one that forbids starts is put in
# place for the install.
ensure_pkg() {
  local pkg=$1 bin=$2
  if [[ -x $bin ]] || { [[ $bin != */* ]] && command -v "$bin" >/dev/null; }; then
    return 0
  fi
  log "$bin not found: installing Debian package $pkg"
  local policy=/usr/sbin/policy-rc.d added_policy=0 rc=0
  if [[ ! -e $policy ]] && as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"; then
    added_policy=1
  fi
  if [[ $APT_UPDATED -eq 0 ]]; then
    { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && APT_UPDATED=1; } || rc=$?
  fi
  if [[ $rc -eq 0 ]]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >&2 || rc=$?
  fi
  if [[ $added_policy -eq 1 ]]; then as_root rm -f "$policy"; fi
  [[ $rc -eq 0 ]] || { log "could not install $pkg (needs root or passwordless sudo)"; return 1; }
}

# As root the cluster runs as the OS user postgres; the postgresql packages create it, but
# the binaries may have come some other way.
ensure_postgres_user() {
  is_root || return 0
  if ! id -u postgres >/dev/null 2>&1; then
    log "creating system user postgres"
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
  fi
}

# First port from FIRST_PORT upward where 127.0.0.1 can be bound. SO_REUSEADDR as PostgreSQL
# uses it: a port held by a listener is busy, one left in TIME_WAIT by a previous run is not.
find_free_port() {
  python3 - "$FIRST_PORT" <<'PY'
import socket, sys
start = int(sys.argv[1])
for port in range(start, start + 200):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    sys.exit(0)
sys.exit("no free port in %d..%d" % (start, start + 199))
PY
}

# The OpenAPI linter the contract test runs, pinned by tools/openapi-lint/package-lock.json. Sets CMS_TEST_REDOCLY.
install_openapi_linter() {
  local dir="$REPO_ROOT/tools/openapi-lint"
  CMS_TEST_REDOCLY=""
  ensure_pkg nodejs node || return 1
  if [[ ! -x $dir/node_modules/.bin/redocly ]]; then
    log "installing the OpenAPI linter (npm ci in tools/openapi-lint)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || return 1
  fi
  CMS_TEST_REDOCLY="$dir/node_modules/.bin/redocly"
}

# The OpenID Connect provider the OIDC tests start (tools/oidc-provider: oidc-provider pinned by its package-lock.json).
# Sets CMS_TEST_OIDC_PROVIDER. The tests fail (never skip) when it is missing or cannot start.
install_oidc_provider() {
  local dir="$REPO_ROOT/tools/oidc-provider"
  CMS_TEST_OIDC_PROVIDER=""
  ensure_pkg nodejs node || return 1
  if [[ ! -f $dir/node_modules/oidc-provider/package.json ]]; then
    log "installing the test OpenID Connect provider (npm ci in tools/oidc-provider)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || return 1
  fi
  CMS_TEST_OIDC_PROVIDER="$dir"
}

random_password() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }   # 48 hex chars

# initdb a private cluster in a new temp dir; sets PG_TMP and PG_PASSWORD.
init_cluster() {
  PG_TMP=$(mktemp -d /tmp/cms-test-pg.XXXXXX)
  if is_root; then chown postgres: "$PG_TMP"; fi
  PG_PASSWORD=$(random_password)

  # The password goes in through a file, so it never shows in a process list.
  (umask 077 && printf '%s\n' "$PG_PASSWORD" >"$PG_TMP/pwfile")
  if is_root; then chown postgres: "$PG_TMP/pwfile"; fi
  as_pg "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --pwfile="$PG_TMP/pwfile" \
    --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 \
    >"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log" >&2; die "initdb failed"; }
  rm -f "$PG_TMP/pwfile"

  # Trust on our private unix socket; password (SCRAM) over TCP, 127.0.0.1 only. The replication line lets a
  # test clone this cluster into a streaming replica (pg_basebackup -R, Cms.Tests/Support/StreamingReplica.cs);
  # wal_level = replica and max_wal_senders = 10 are PostgreSQL's defaults.
  printf '%s\n' \
    'local all         all               trust' \
    'host  all         all 127.0.0.1/32  scram-sha-256' \
    'host  replication all 127.0.0.1/32  scram-sha-256' \
    | as_pg sh -c "cat >'$PG_TMP/data/pg_hba.conf'"

  # Throwaway data, so durability is off for speed. The socket lives in our temp dir, not in
  # /var/run/postgresql: no other cluster is touched and no root is needed. The port is
  # chosen at start (start_server).
  printf '%s\n' '' '# --- scripts/test.sh: private test cluster ---' \
    "listen_addresses = '127.0.0.1'" \
    "unix_socket_directories = '$PG_TMP'" \
    'max_connections = 200' \
    'shared_buffers = 128MB' \
    'fsync = off' \
    'synchronous_commit = off' \
    'full_page_writes = off' \
    | as_pg sh -c "cat >>'$PG_TMP/data/postgresql.conf'"
}

# Start the cluster on a free port; sets PG_PORT. Another process (e.g. a parallel run) may
# take the port between the check and the bind, so a bind failure retries on the next port.
start_server() {
  local attempt
  for attempt in 1 2 3 4 5; do
    PG_PORT=$(find_free_port)
    PG_LOG="$PG_TMP/postgres-$PG_PORT.log"
    log "starting $("$PG_BIN/postgres" --version) on 127.0.0.1:$PG_PORT, data in $PG_TMP"
    if as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_LOG" -o "-p $PG_PORT" \
         -w -t 60 start >/dev/null; then
      wait_ready
      return 0
    fi
    grep -Eq 'could not (bind|listen|create any TCP)' "$PG_LOG" 2>/dev/null || break
    log "port $PG_PORT was taken meanwhile (attempt $attempt); trying another"
  done
  cat "$PG_LOG" >&2 || true
  die "PostgreSQL did not start"
}

wait_ready() {
  local _
  for _ in $(seq 1 60); do
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && return 0
    sleep 0.5
  done
  cat "$PG_LOG" >&2
  die "PostgreSQL not ready on port $PG_PORT"
}

# Stop the server of this run's data dir (and no other), remove the temp dir. Quiet and
# idempotent: it runs before the summary line and again from the EXIT trap.
cleanup() {
  [[ -n $PG_TMP && -d $PG_TMP ]] || return 0
  if [[ -f $PG_TMP/data/postmaster.pid ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" stop -m fast -w >/dev/null 2>&1 \
      || log "warning: pg_ctl stop failed for $PG_TMP/data"
  fi
  rm -rf "$PG_TMP"
  PG_TMP=""
}

# End the processes a fixture listed in CMS_TEST_OWNED_PIDS and left running (its own teardown normally stops them;
# a crashed or killed test host does not). Only a pid whose start time still matches is signalled: never a process
# that merely reused the number.
stop_owned_processes() {
  [[ -n ${OWNED_PIDS:-} && -f $OWNED_PIDS ]] || return 0
  local pid start signal alive
  for signal in TERM KILL; do
    alive=0
    while read -r pid start; do
      [[ $pid =~ ^[0-9]+$ ]] || continue
      if [[ -r /proc/$pid/stat ]] && [[ $(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null) == "$start" ]]; then
        kill "-$signal" "$pid" 2>/dev/null && alive=1
      fi
    done <"$OWNED_PIDS"
    [[ $alive -eq 1 && $signal == TERM ]] || break
    log "ending processes a fixture left running (SIGTERM, then SIGKILL after 10 s)"
    sleep 10
  done
  rm -f "$OWNED_PIDS"
  OWNED_PIDS=""
}

on_exit() { local rc=$?; stop_owned_processes; cleanup; exit "$rc"; }

# Sum the <Counters> of every TRX file written after the stamp file; prints "passed failed skipped".
# failed counts every unsuccessful outcome. skipped is the rest: the TRX logger leaves
# notExecuted/inconclusive at 0 and counts NUnit's [Ignore], [Explicit] and Inconclusive
# results (NotExecuted outcomes) only in total, so skipped = total - passed - failed.
trx_counts() {
  local stamp=$1
  find "$RESULTS_DIR" -name '*.trx' -newer "$stamp" -print0 2>/dev/null | python3 -c '
import sys, xml.etree.ElementTree as ET
files = [f for f in sys.stdin.read().split("\0") if f]
if not files:
    sys.exit(3)
keys = ("total", "passed", "failed", "error", "timeout", "aborted", "notRunnable")
tot = dict.fromkeys(keys, 0)
for f in files:
    for el in ET.parse(f).iter():
        if el.tag.rsplit("}", 1)[-1] == "Counters":
            for k in keys:
                tot[k] += int(el.get(k, 0))
failed = tot["failed"] + tot["error"] + tot["timeout"] + tot["aborted"] + tot["notRunnable"]
print(tot["passed"], failed, max(tot["total"] - tot["passed"] - failed, 0))
'
}

main() {
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  ensure_pkg postgresql-15 "$PG_BIN/initdb" || die "PostgreSQL 15 is required"
  # No test uses PgBouncer yet; the pooling tests to come will. Optional until then.
  CMS_TEST_PGBOUNCER=""
  if ensure_pkg pgbouncer /usr/sbin/pgbouncer; then
    CMS_TEST_PGBOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
  else
    log "warning: pgbouncer unavailable; CMS_TEST_PGBOUNCER is empty"
  fi
  install_openapi_linter || log "warning: the OpenAPI linter could not be installed; its test will fail"
  # The failover tests' Patroni pair and etcd (started by the fixture that needs them, not here).
  CMS_TEST_PATRONI="" CMS_TEST_PATRONICTL="" CMS_TEST_ETCD=""
  if ensure_pkg patroni /usr/bin/patroni && ensure_pkg etcd-server /usr/bin/etcd; then
    CMS_TEST_PATRONI=/usr/bin/patroni CMS_TEST_PATRONICTL=/usr/bin/patronictl CMS_TEST_ETCD=/usr/bin/etcd
  else
    log "warning: patroni or etcd-server unavailable; the failover tests will fail"
  fi
  OWNED_PIDS=$(mktemp /tmp/cms-test-owned-pids.XXXXXX)
  install_oidc_provider || log "warning: the OpenID Connect provider could not be installed; its tests will fail"
  ensure_postgres_user
  init_cluster
  start_server

  export CMS_TEST_PG_ADMIN="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD;Database=postgres"
  export CMS_TEST_REQUIRE_PG=1
  export CMS_TEST_PG_BIN="$PG_BIN"
  export CMS_TEST_PGBOUNCER CMS_TEST_REDOCLY CMS_TEST_PATRONI CMS_TEST_PATRONICTL CMS_TEST_ETCD CMS_TEST_OIDC_PROVIDER
  export CMS_TEST_OWNED_PIDS="$OWNED_PIDS"
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

  cd "$REPO_ROOT"
  mkdir -p "$RESULTS_DIR"
  rm -f "$RESULTS_DIR"/cms-tests*.trx   # the previous run's
  local stamp test_rc=0
  stamp=$(mktemp)
  # LogFilePrefix, not LogFileName: with a fixed LogFileName every test project of the
  # solution writes the same file and only the last one's results survive (vstest #15673).
  # The prefix gives one cms-tests_<framework>_<timestamp>.trx per project.
  # `|| test_rc=$?` keeps set -e from ending the script before the summary.
  dotnet test "$TARGET" -c Release --logger "trx;LogFilePrefix=cms-tests" \
    --results-directory "$RESULTS_DIR" "$@" || test_rc=$?

  stop_owned_processes
  cleanup   # now, so that nothing it might print follows the summary line

  local client_passed=0 client_failed=0 client_line
  if [[ $# -eq 0 || ${CMS_TEST_CLIENTS:-0} == 1 ]]; then
    # Its output goes to stderr (through a file: tee to /dev/stderr would truncate a log file that stderr points at).
    local client_out
    client_out=$(mktemp)
    CMS_CLIENTS_NO_BUILD=1 bash "$REPO_ROOT/scripts/client-tests.sh" >"$client_out" 2>&1 || true
    cat "$client_out" >&2
    client_line=$(tail -n 1 "$client_out")
    rm -f "$client_out"
    if [[ $client_line =~ ^client\ flows:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
      client_passed=${BASH_REMATCH[1]} client_failed=${BASH_REMATCH[2]}
    else
      log "the client tests did not report"
      client_failed=1
    fi
  fi

  # The team's layout (.editorconfig): the style rules are build errors (EnforceCodeStyleInBuild); whitespace is
  # checked here, on full runs, as one more check.
  local format_passed=0 format_failed=0
  if [[ $# -eq 0 ]]; then
    if dotnet format whitespace "$REPO_ROOT/Cms.sln" --verify-no-changes --verbosity quiet >&2; then
      format_passed=1
    else
      log "dotnet format whitespace --verify-no-changes: files above differ from .editorconfig (run dotnet format whitespace Cms.sln)"
      format_failed=1
    fi
  fi

  local counts passed failed skipped
  if counts=$(trx_counts "$stamp"); then
    read -r passed failed skipped <<<"$counts"
  else
    log "no TRX file was written (build failure?)"
    passed=0 failed=1 skipped=0
    if [[ $test_rc -eq 0 ]]; then test_rc=1; fi
  fi
  rm -f "$stamp"
  passed=$((passed + client_passed + format_passed)) failed=$((failed + client_failed + format_failed))
  # A failed dotnet test with no failing test (build error, crashed test host) still fails the run.
  if [[ $test_rc -ne 0 && $failed -eq 0 ]]; then
    log "dotnet test exited with $test_rc but no test failed: counted as 1 failed"
    failed=1
  fi
  echo "$passed passed, $failed failed, $skipped skipped"
  [[ $test_rc -eq 0 && $failed -eq 0 ]]
}

# Sourced (bench/run reuses the cluster functions above), it only defines them.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
