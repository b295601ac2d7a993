#!/bin/sh
# First start of the compose PostgreSQL: create cms_owner and cms_app (deploy/postgres/roles.sql reads their passwords
# from CMS_OWNER_PASSWORD and CMS_APP_PASSWORD).
set -eu
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -f /cms/roles.sql
# Statement statistics for the dashboard (the library is preloaded by the compose command).
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements;'
