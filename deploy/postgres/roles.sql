-- =====================================================================================================================
-- CMS PostgreSQL bootstrap: the two login roles and who owns what. Run ONCE per database by a superuser (or a DBA role
-- with CREATEROLE that may change database ownership), BEFORE the first migration. Safe to run again: it creates what
-- is missing and re-asserts role attributes and passwords on what exists.
--
--   psql -v owner_password='...' -v app_password='...' -d cms -f deploy/postgres/roles.sql
--
-- (With psql >= 15 the passwords may instead come from the environment variables CMS_OWNER_PASSWORD and
--  CMS_APP_PASSWORD, e.g. in a container's docker-entrypoint-initdb.d wrapper.) There are no default passwords: the
-- script stops with an error if either one is missing or empty. The database (-d) must already exist.
--
-- Afterwards:
--   * cms_owner  owns the database and schema public, and runs the migrations (dotnet run --project migrations -- up
--                --provider postgres --connection "Host=...;Database=cms;Username=cms_owner;Password=...").
--                NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB: it owns the tables but, because the migrations FORCE
--                row-level security, even it sees tenant rows only through the policies.
--   * cms_app    is what the service logs in as: LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT,
--                owns nothing, and gets only the table grants the migrations give it (no DELETE, no TRUNCATE;
--                audit_entries INSERT and SELECT only).
--
-- Note: CREATE/ALTER ROLE ... PASSWORD sends the password to the server; with log_statement = 'ddl' or 'all' it would
-- be written to the server log. Turn statement logging off for this session's server or pass pre-hashed SCRAM
-- secrets (the value 'SCRAM-SHA-256$...' is accepted as-is by PASSWORD).
-- =====================================================================================================================

\set ON_ERROR_STOP on
\set QUIET on

-- Passwords: psql variables first, then (psql >= 15) the environment.
\if :{?owner_password}
\else
\getenv owner_password CMS_OWNER_PASSWORD
\endif
\if :{?app_password}
\else
\getenv app_password CMS_APP_PASSWORD
\endif

\if :{?owner_password}
\else
DO $$ BEGIN RAISE EXCEPTION 'owner_password is not set: run psql with -v owner_password=... (or set CMS_OWNER_PASSWORD)'; END $$;
\endif
\if :{?app_password}
\else
DO $$ BEGIN RAISE EXCEPTION 'app_password is not set: run psql with -v app_password=... (or set CMS_APP_PASSWORD)'; END $$;
\endif

-- psql does not interpolate variables inside a DO body, so hand the values over as session settings (transaction-local:
-- they vanish at COMMIT) and read them back with current_setting() inside the block. The SELECT prints nothing secret.
BEGIN;
SELECT set_config('cms_bootstrap.owner_password', :'owner_password', true) IS NOT NULL AS owner_password_received,
       set_config('cms_bootstrap.app_password', :'app_password', true) IS NOT NULL AS app_password_received
\g /dev/null

DO $bootstrap$
DECLARE
    owner_pw text := current_setting('cms_bootstrap.owner_password');
    app_pw   text := current_setting('cms_bootstrap.app_password');
BEGIN
    IF owner_pw = '' THEN
        RAISE EXCEPTION 'owner_password is empty';
    END IF;
    IF app_pw = '' THEN
        RAISE EXCEPTION 'app_password is empty';
    END IF;
    IF owner_pw = app_pw THEN
        RAISE EXCEPTION 'owner_password and app_password must differ';
    END IF;

    -- cms_owner: owns the schema objects and runs migrations.
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'cms_owner') THEN
        BEGIN
            EXECUTE 'CREATE ROLE cms_owner LOGIN';
        EXCEPTION WHEN duplicate_object THEN
            NULL; -- created concurrently by another run
        END;
        RAISE NOTICE 'created role cms_owner';
    END IF;
    EXECUTE format('ALTER ROLE cms_owner WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOREPLICATION INHERIT PASSWORD %L',
                   owner_pw);

    -- cms_app: the service's login. Not an owner, no RLS bypass, inherits nothing.
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'cms_app') THEN
        BEGIN
            EXECUTE 'CREATE ROLE cms_app LOGIN';
        EXCEPTION WHEN duplicate_object THEN
            NULL;
        END;
        RAISE NOTICE 'created role cms_app';
    END IF;
    EXECUTE format('ALTER ROLE cms_app WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOREPLICATION NOINHERIT PASSWORD %L',
                   app_pw);

    -- cms_app must never be a member of another role (NOINHERIT would still allow SET ROLE to it).
    IF EXISTS (SELECT FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid = m.member
               WHERE r.rolname = 'cms_app') THEN
        RAISE EXCEPTION 'cms_app is a member of another role; revoke that membership first';
    END IF;

    -- The database and schema public belong to cms_owner. (PostgreSQL 15 no longer lets PUBLIC create in schema
    -- public; the owner can.) Ownership of the database also makes cms_owner a member of pg_database_owner.
    EXECUTE format('ALTER DATABASE %I OWNER TO cms_owner', current_database());
    EXECUTE 'ALTER SCHEMA public OWNER TO cms_owner';
    EXECUTE 'REVOKE CREATE ON SCHEMA public FROM PUBLIC';

    -- The service may connect; USAGE on schema public and the table grants come from the migrations.
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO cms_app', current_database());
END
$bootstrap$;
COMMIT;

\unset owner_password
\unset app_password

SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolbypassrls
FROM pg_catalog.pg_roles
WHERE rolname IN ('cms_owner', 'cms_app')
ORDER BY rolname;
