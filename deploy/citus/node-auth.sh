#!/bin/sh
# Runs once at initdb (docker-entrypoint-initdb.d) on every node of deploy/citus/docker-compose.yml.
#
# Node-to-node authentication. A statement on the coordinator reaches the workers over new connections AS THE SAME
# ROLE that runs it (postgres for distribute.sql, cms_owner for the migrations, cms_app for the service), and workers
# connect back to the coordinator and to each other (metadata sync, distributed deadlock detection, 2PC recovery).
# Those connections authenticate with scram-sha-256 like every client, and libpq inside the server takes their
# passwords from the passfile the compose file names in PGPASSFILE (in the data directory, so it survives a container
# re-creation with the volume). One line per role: postgres, and the two service roles of deploy/postgres/roles.sql
# (the passwords must be the ones roles.sql is given; CREATE ROLE run on the coordinator reaches the workers).
#
# Rotating a service role's password: ALTER ROLE on the coordinator (Citus propagates it), then the same password in
# this file on EVERY node (no restart needed: libpq reads the passfile per connection). docs/scaling.md, "Citus".
set -eu
umask 077
{
  printf '*:*:*:postgres:%s\n' "$POSTGRES_PASSWORD"
  printf '*:*:*:cms_owner:%s\n' "${CMS_OWNER_PASSWORD:?set CMS_OWNER_PASSWORD}"
  printf '*:*:*:cms_app:%s\n' "${CMS_APP_PASSWORD:?set CMS_APP_PASSWORD}"
} > "$PGDATA/.pgpass"
