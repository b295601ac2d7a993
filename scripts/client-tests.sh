#!/usr/bin/env bash
# The generated clients against the real service: bash scripts/client-tests.sh
#
# Starts the service built in this tree once (SQLite in a temp dir, 127.0.0.1 on a free port, the local signing key),
# fetches the OpenAPI document it serves, generates from it
#   - a C# client with Kiota (the dotnet tool pinned in .config/dotnet-tools.json) into clients/csharp/Generated, and
#   - TypeScript types with openapi-typescript (clients/typescript, npm ci from its package-lock) into src/generated,
# compiles each strictly (warnings as errors; tsc --strict) and runs its flows (README set-up, lifecycle, keyset paging,
# change feed, 400/412/404) against that one service process, then stops it. A change to the document that breaks a
# caller fails the compile; a document that says other than the service fails a flow. Prints one line per client and
# a closing "N passed, N failed" (a client that does not compile counts as one failure).
#
# Environment: CMS_CLIENTS_NO_BUILD=1 uses the Release build of Cms.Api already in the tree (scripts/test.sh sets it).
# The document used is left in TestResults/openapi-v1.json.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIGNING_KEY="Y21zLWxvY2FsLWRldmVsb3BtZW50LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24hIQ=="   # the development key (README)
WORK=$(mktemp -d /tmp/cms-clients.XXXXXX)
SERVICE_PID=""

log() { printf '[client-tests] %s\n' "$*" >&2; }

stop_service() {
  if [[ -n $SERVICE_PID ]] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    kill "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
  fi
  SERVICE_PID=""
}

on_exit() { local rc=$?; stop_service; rm -rf "$WORK"; exit "$rc"; }
trap on_exit EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start_service() {
  local port=$1 i
  export ASPNETCORE_URLS="http://127.0.0.1:$port" Cms__Database__Provider=Sqlite \
    Cms__Database__ConnectionString="Data Source=$WORK/cms.db" Cms__Shutdown__ReadinessDelay=00:00:00 \
    Cms__Shutdown__DrainTimeout=00:00:02 Cms__Telemetry__OverdueRefreshInterval=00:00:00 Cms__Webhooks__DeliveryEnabled=false
  (cd "$WORK" && exec dotnet "$REPO_ROOT/Cms.Api/bin/Release/net10.0/Cms.Api.dll" >"$WORK/service.log" 2>&1) &
  SERVICE_PID=$!
  for i in $(seq 1 120); do
    if curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null; then return 0; fi
    kill -0 "$SERVICE_PID" 2>/dev/null || break
    sleep 0.5
  done
  tail -n 40 "$WORK/service.log" >&2
  log "the service did not become ready"
  return 1
}

# run_client NAME COMMAND...: runs one client's generate/compile/flows; its last output line is "<name> client: N passed, N failed".
PASSED=0
FAILED=0
run_client() {
  local name=$1 out="$WORK/$1.out" line p f
  shift
  ("$@") >"$out" 2>&1 || true
  cat "$out"
  line=$(grep -E "^$name client: [0-9]+ passed, [0-9]+ failed$" "$out" | tail -n 1 || true)
  if [[ -n $line ]]; then
    read -r p f <<<"$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1 \2/' <<<"$line")"
  else
    log "$name client: did not generate, compile or run (see above)"
    p=0 f=1
  fi
  PASSED=$((PASSED + p)) FAILED=$((FAILED + f))
}

# Each step only after the previous one succeeded (errexit does not apply inside run_client's condition).
typescript_client() {
  cd "$REPO_ROOT/clients/typescript" &&
    { [[ -x node_modules/.bin/openapi-typescript ]] || npm ci --no-audit --no-fund --loglevel=error; } &&
    rm -rf src/generated dist &&
    CMS_OPENAPI_DOCUMENT="$DOCUMENT" npm run -s generate &&
    npm run -s build &&
    node dist/flows.js
}

csharp_client() {
  cd "$REPO_ROOT/clients/csharp" &&
    dotnet tool restore >/dev/null &&
    dotnet kiota generate --language CSharp --openapi "$DOCUMENT" --output Generated --namespace-name Cms.Client \
      --class-name CmsClient --exclude-backward-compatible --clean-output --log-level Error &&
    rm -rf bin/Release &&
    dotnet build -c Release --nologo -v q -clp:ErrorsOnly &&
    dotnet bin/Release/net10.0/Cms.ClientFlows.dll
}

main() {
  command -v node >/dev/null || { log "node is required (scripts/test.sh installs it)"; exit 1; }
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 KIOTA_TUTORIAL_ENABLED=false
  if [[ ${CMS_CLIENTS_NO_BUILD:-0} != 1 ]]; then
    dotnet build "$REPO_ROOT/Cms.Api" -c Release --nologo -v q -clp:ErrorsOnly >&2
  fi

  local port
  port=$(free_port)
  start_service "$port"
  mkdir -p "$REPO_ROOT/TestResults"
  DOCUMENT="$REPO_ROOT/TestResults/openapi-v1.json"
  curl -sf "http://127.0.0.1:$port/openapi/v1.json" -o "$DOCUMENT"
  export CMS_URL="http://127.0.0.1:$port" CMS_SIGNING_KEY="$SIGNING_KEY" DOCUMENT

  run_client typescript typescript_client
  run_client csharp csharp_client
  stop_service

  echo "client flows: $PASSED passed, $FAILED failed"
  [[ $FAILED -eq 0 ]]
}

main "$@"
