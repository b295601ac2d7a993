# shellcheck shell=bash
# bench/lib/cluster.sh: sourced by bench/run (defines only). The private PostgreSQL cluster, the service as a real
# process, and the tenants created through the API with their template rows. Uses bench/run's variables and helpers
# (REPO_ROOT, WORK, API_DLL, blog, out) and scripts/test.sh's (init_cluster, start_server, as_pg, ...).

# start_cluster: the test cluster, with room for the load; the cms database and its roles -> PGHOST/PGPORT/PGUSER/
# PGPASSWORD exported for psql, OWNER_PW, APP_PW.
start_cluster() {
  ensure_pkg postgresql-15 "$PG_BIN/initdb"
  ensure_postgres_user
  init_cluster
  printf '%s\n' '# --- bench/run ---' 'shared_buffers = 1GB' 'max_wal_size = 8GB' 'checkpoint_timeout = 30min' \
    'maintenance_work_mem = 512MB' 'work_mem = 16MB' 'random_page_cost = 1.1' 'max_connections = 300' \
    | as_pg sh -c "cat >>'$PG_TMP/data/postgresql.conf'"
  start_server
  export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres PGPASSWORD=$PG_PASSWORD
  psql -qAt -d postgres -c "CREATE DATABASE cms" >/dev/null
  OWNER_PW=$(random_password) APP_PW=$(random_password)
  psql -q -d cms -v owner_password="$OWNER_PW" -v app_password="$APP_PW" -f "$REPO_ROOT/deploy/postgres/roles.sql" >/dev/null 2>&1
}
SQL() { psql -qAtX -d cms -v ON_ERROR_STOP=1 "$@"; }

# start_service: the service, as a real process (Kestrel, cms_app, RLS) -> API_PID, BASE, PLATFORM_TOKEN.
start_service() {
  API_PORT=$(FIRST_PORT=58080 find_free_port)
  export Cms__Database__Provider=postgres
  export Cms__Database__ConnectionString="Host=127.0.0.1;Port=$PG_PORT;Database=cms;Username=cms_app;Password=$APP_PW;Maximum Pool Size=64"
  export Cms__Database__MigrationConnectionString="Host=127.0.0.1;Port=$PG_PORT;Database=cms;Username=cms_owner;Password=$OWNER_PW"
  export Cms__Audit__HmacKey=$(head -c 32 /dev/urandom | base64)
  export Cms__Crypto__MasterKeys__k1=$(head -c 32 /dev/urandom | base64)
  export Cms__Crypto__ActiveMasterKeyVersion=k1
  export Cms__Crypto__TenantKeyVault__Directory="$WORK/tenant-keys"
  export Cms__Auth__SigningKey=$(head -c 48 /dev/urandom | base64 -w0)
  export Cms__RateLimit__PermitsPerSecond=1000000 Cms__RateLimit__Burst=1000000
  export Logging__LogLevel__Default=Warning
  export ASPNETCORE_ENVIRONMENT=Production DOTNET_gcServer=1
  # --keep: the service's settings (this run's throwaway keys) kept beside the cluster, to start it again for profiling
  if (( KEEP == 1 )); then
    (umask 077; env | grep -E '^(Cms__|Logging__|ASPNETCORE_ENVIRONMENT|DOTNET_gcServer)' | sed 's/^/export /; s/=/="/; s/$/"/' >"$WORK/service.env")
  fi
  dotnet "$API_DLL" --urls "http://127.0.0.1:$API_PORT" >"$WORK/api.log" 2>&1 &
  API_PID=$!
  BASE="http://127.0.0.1:$API_PORT"
  for _ in $(seq 1 120); do curl -fs "$BASE/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "$BASE/health/ready" >/dev/null || { cat "$WORK/api.log" >&2; echo "the service did not become ready" >&2; exit 1; }
  blog "service pid $API_PID on $BASE, PostgreSQL on port $PG_PORT"
  PLATFORM_TOKEN=$(dotnet "$API_DLL" token --platform --sub bench-operator)
}
api() { # api METHOD PATH [JSON] -> body; fails on non-2xx
  local method=$1 path=$2 body=${3:-}
  curl -fsS -X "$method" "$BASE$path" -H "Authorization: Bearer ${TOKEN:-$PLATFORM_TOKEN}" \
    ${body:+-H 'Content-Type: application/json' --data "$body"}
}
jget() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# ---- tenants: each created through the API with its tenant_admin, and its templates: one consumer, complaint and note ----
# setup_tenant K: tenant K (1 = the measured one, "Bench Bank") -> T_ID[K], T_TOKEN[K] (its bench-admin), T_CONSUMER[K],
# T_COMPLAINT[K] and T_NOTE[K], the rows filed through the API that bench/generate.sql copies for this tenant.
FILING_BODY='"channel":"web","product":"current_account","category":"fees","description":"Charged twice for the same transfer."'
SEARCH_WORD=transfer   # a word of every description (keyword search: q=)
declare -a T_ID T_TOKEN T_CONSUMER T_COMPLAINT T_NOTE T_PLAIN
setup_tenant() {
  local k=$1 name="Bench Bank" email=admin@bench.test id token consumer complaint
  if (( k > 1 )); then name="Bench Bank $k"; email="admin-$k@bench.test"; fi
  id=$(TOKEN=$PLATFORM_TOKEN api POST /v1/tenants \
    "{\"name\":\"$name\",\"sector\":\"banking\",\"jurisdiction\":\"UK\",\"admin\":{\"subject\":\"bench-admin\",\"email\":\"$email\",\"displayName\":\"Bench Admin\"}}" | jget id)
  token=$(dotnet "$API_DLL" token --tenant "$id" --sub bench-admin)
  consumer=$(TOKEN=$token api POST /v1/consumers "{\"externalRef\":\"TEMPLATE-1\",\"fullName\":\"Template Consumer\",\"email\":\"template@bench.test\"}" | jget id)
  # the warm-up, kept without a note: its keyword rows are the description's alone (bench/generate.sql copies them)
  T_PLAIN[k]=$(TOKEN=$token api POST /v1/complaints "{\"consumerId\":\"$consumer\",$FILING_BODY}" | jget id)
  complaint=$(TOKEN=$token api POST /v1/complaints "{\"consumerId\":\"$consumer\",$FILING_BODY}" | jget id)
  TOKEN=$token api POST "/v1/complaints/$complaint/notes" '{"kind":"internal","body":"Called the consumer back."}' >/dev/null
  T_ID[k]=$id T_TOKEN[k]=$token T_CONSUMER[k]=$consumer T_COMPLAINT[k]=$complaint
  T_NOTE[k]=$(SQL -c "SELECT id FROM complaint_notes WHERE tenant_id = '$id' LIMIT 1")
  blog "tenant $k: $id"
}

# render_mirrors DIR CONSUMER_ARRAY NCONSUMERS NCOMPLAINTS [DEEP_AT DEEP_ID]: bench/pgbench/*.sql with this run's values.
render_mirrors() {
  local dir=$1 f
  mkdir -p "$dir"
  for f in "$REPO_ROOT"/bench/pgbench/*.sql; do
    sed -e "s/@TENANT@/$TENANT/g" -e "s/@SUBJECT@/bench-admin/g" -e "s/@STAFFID@/$STAFF_ID/g" -e "s/@CONSUMERS@/$2/g" \
        -e "s/@NCONSUMERS@/$3/g" -e "s/@NCOMPLAINTS@/$4/g" -e "s/@DEEP_AT@/${5:-}/g" -e "s/@DEEP_ID@/${6:-}/g" \
        -e "s/@WORDHASH@/${WORD_HASH:-}/g" -e "s/@PROFILE@/$PROFILE/g" -e "s/@PROFILE_VERSION@/$PROFILE_VERSION/g" "$f" >"$dir/$(basename "$f")"
  done
}