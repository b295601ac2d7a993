#!/bin/sh
# Runs once at initdb (docker-entrypoint-initdb.d) on every node of deploy/citus/docker-compose.yml. The nodes connect
# to each other as postgres with the cluster's password (scram-sha-256, like every client) from a passfile in the data
# directory, which the compose file names in PGPASSFILE, so it survives a container re-creation with the volume.
set -eu
umask 077
printf '*:*:*:postgres:%s\n' "$POSTGRES_PASSWORD" > "$PGDATA/.pgpass"
