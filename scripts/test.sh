#!/usr/bin/env bash
# THE test command: bash scripts/test.sh [extra dotnet test args, e.g. --filter Category=Domain]
#
# Starts a private, throwaway PostgreSQL 15 cluster on 127.0.0.1 (free port, random
# superuser password), runs `dotnet test` against it, stops it again and prints one
# closing line: "N passed, N failed, N skipped".
#
# Environment it reads (all optional):
#   CMS_TEST_TARGET   what dotnet test runs (default: Cms.sln in the repo root)
#   CMS_TEST_PG_BIN   PostgreSQL binaries (default: /usr/lib/postgresql/15/bin)
# Environment it exports to the tests:
#   CMS_TEST_PG_ADMIN        Npgsql connection string for the superuser `postgres`
#   CMS_TEST_REQUIRE_PG=1    tests fail, not skip, when PostgreSQL is unreachable
#   CMS_TEST_PG_BIN          the PostgreSQL bin directory used
#   CMS_TEST_PGBOUNCER       path of the pgbouncer binary (empty if it could not be installed)
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CMS_TEST_TARGET:-Cms.sln}
RESULTS_DIR="$REPO_ROOT/TestResults"
PG_BIN=${CMS_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}
FIRST_PORT=55432

PG_TMP=""        # temp dir holding data/, the socket and the log; set by start_postgres
PG_STARTED=0     # 1 once pg_ctl start succeeded, so cleanup stops only our server
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

# Run a command as the OS user that owns the cluster. initdb refuses to run as root, so as
# root that is `postgres`; a non-root developer simply owns the cluster. The cd matters:
# the caller's cwd (e.g. a clone under /root) may be unreadable for postgres.
as_pg() {
  if is_root; then
    (cd "$PG_TMP" && runuser -u postgres -- "$@")
  else
    (cd "$PG_TMP" && "$@")
  fi
}

# ensure_pkg PACKAGE BINARY: apt-get install PACKAGE only if BINARY (a path or a command
# name) is missing. Package scripts must not start system services (a postgresql-15 install
# would otherwise start a cluster on 5432 and leave it running), so a policy-rc.d that
# forbids starts is put in place for the install, unless the machine already has one.
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
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq && APT_UPDATED=1 || rc=$?
  fi
  if [[ $rc -eq 0 ]]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >&2 || rc=$?
  fi
  if [[ $added_policy -eq 1 ]]; then as_root rm -f "$policy"; fi
  [[ $rc -eq 0 ]] || { log "could not install $pkg (needs root or passwordless sudo)"; return 1; }
}

# As root the cluster runs as the OS user postgres (the postgresql packages create it).
ensure_postgres_user() {
  is_root || return 0
  if ! id -u postgres >/dev/null 2>&1; then
    log "creating system user postgres"
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
  fi
}

# First port from FIRST_PORT upward that nothing is bound to on 127.0.0.1. Binding (without
# SO_REUSEADDR) is stricter than asking `ss`: it also fails for ports in TIME_WAIT.
find_free_port() {
  python3 - "$FIRST_PORT" <<'PY'
import socket, sys
start = int(sys.argv[1])
for port in range(start, start + 200):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
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

random_password() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }   # 48 hex chars

# initdb + start a private cluster; sets PG_PORT and PG_PASSWORD.
start_postgres() {
  PG_TMP=$(mktemp -d /tmp/cms-test-pg.XXXXXX)
  if is_root; then chown postgres: "$PG_TMP"; fi
  PG_PORT=$(find_free_port)
  PG_PASSWORD=$(random_password)

  # The password goes through a file, so it never shows in a process list.
  (umask 077 && printf '%s\n' "$PG_PASSWORD" > "$PG_TMP/pwfile")
  if is_root; then chown postgres: "$PG_TMP/pwfile"; fi
  as_pg "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --pwfile="$PG_TMP/pwfile" \
    --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 \
    >"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log" >&2; die "initdb failed"; }
  rm -f "$PG_TMP/pwfile"

  # Trust on our private unix socket; password (SCRAM) over TCP, 127.0.0.1 only.
  as_pg sh -c "cat > '$PG_TMP/data/pg_hba.conf'" <<EOF
local all all               trust
host  all all 127.0.0.1/32  scram-sha-256
EOF
  # Throwaway data: durability off for speed. The socket lives in our temp dir, not in
  # /var/run/postgresql, so no other cluster is touched and no root is needed.
  as_pg sh -c "cat >> '$PG_TMP/data/postgresql.conf'" <<EOF

# --- scripts/test.sh: private test cluster ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_TMP'
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

  log "starting PostgreSQL ($("$PG_BIN/postgres" --version)) on 127.0.0.1:$PG_PORT, data in $PG_TMP"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w -t 60 start >/dev/null \
    || { cat "$PG_TMP/postgres.log" >&2; die "PostgreSQL did not start"; }
  PG_STARTED=1
  wait_ready
}

wait_ready() {
  local i
  for i in $(seq 1 60); do
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && return 0
    sleep 0.5
  done
  cat "$PG_TMP/postgres.log" >&2
  die "PostgreSQL not ready on port $PG_PORT"
}

# Stop only the server this run started, remove its temp dir. Quiet and idempotent: it runs
# before the summary line and again from the EXIT trap.
cleanup() {
  if [[ $PG_STARTED -eq 1 ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" stop -m fast -w >/dev/null 2>&1 \
      || log "warning: pg_ctl stop failed for $PG_TMP/data"
    PG_STARTED=0
  fi
  if [[ -n $PG_TMP && -d $PG_TMP ]]; then rm -rf "$PG_TMP"; fi
  PG_TMP=""
}

on_exit() { local rc=$?; cleanup; exit "$rc"; }

# Sum the <Counters> of every TRX file written after the stamp file; prints "passed failed skipped".
# failed counts every unsuccessful outcome; skipped is NotExecuted (NUnit [Ignore], [Explicit])
# plus Inconclusive (Assert.Inconclusive, failed Assume).
trx_counts() {
  local stamp=$1
  find "$RESULTS_DIR" -name '*.trx' -newer "$stamp" -print0 2>/dev/null | python3 -c '
import sys, xml.etree.ElementTree as ET
files = [f for f in sys.stdin.read().split("\0") if f]
if not files:
    sys.exit(3)
tot = dict.fromkeys(("passed", "failed", "error", "timeout", "aborted", "notRunnable",
                     "notExecuted", "inconclusive"), 0)
for f in files:
    for el in ET.parse(f).iter():
        if el.tag.rsplit("}", 1)[-1] == "Counters":
            for k in tot:
                tot[k] += int(el.get(k, 0))
failed = tot["failed"] + tot["error"] + tot["timeout"] + tot["aborted"] + tot["notRunnable"]
print(tot["passed"], failed, tot["notExecuted"] + tot["inconclusive"])
'
}

main() {
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  ensure_pkg postgresql-15 "$PG_BIN/initdb" || die "PostgreSQL 15 is required"
  # Not used by a test yet; the PgBouncer tests to come need it. Optional until then.
  CMS_TEST_PGBOUNCER=""
  if ensure_pkg pgbouncer /usr/sbin/pgbouncer; then
    CMS_TEST_PGBOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
  else
    log "warning: pgbouncer unavailable; CMS_TEST_PGBOUNCER is empty"
  fi
  ensure_postgres_user
  start_postgres

  export CMS_TEST_PG_ADMIN="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD;Database=postgres"
  export CMS_TEST_REQUIRE_PG=1
  export CMS_TEST_PG_BIN="$PG_BIN"
  export CMS_TEST_PGBOUNCER
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

  cd "$REPO_ROOT"
  mkdir -p "$RESULTS_DIR"
  local stamp test_rc=0
  stamp=$(mktemp)
  dotnet test "$TARGET" -c Release --logger "trx;LogFileName=cms-tests.trx" \
    --results-directory "$RESULTS_DIR" "$@" || test_rc=$?

  cleanup

  local counts passed failed skipped
  if counts=$(trx_counts "$stamp"); then
    read -r passed failed skipped <<<"$counts"
  else
    log "no TRX file was written (build failure?)"
    passed=0 failed=1 skipped=0
    if [[ $test_rc -eq 0 ]]; then test_rc=1; fi
  fi
  rm -f "$stamp"
  # A non-zero dotnet test with no failing test (build error, crashed test host) still fails the run.
  if [[ $test_rc -ne 0 && $failed -eq 0 ]]; then
    log "dotnet test exited with $test_rc but no test failed: counted as 1 failed"
    failed=1
  fi
  echo "$passed passed, $failed failed, $skipped skipped"
  [[ $test_rc -eq 0 && $failed -eq 0 ]]
}

main "$@"
