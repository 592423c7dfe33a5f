#!/bin/sh
# Creates Temporal's databases and brings their schemas up to date; safe to
# re-run. docker compose runs it in the temporalio/admin-tools image before
# the server starts, `make production` with the schema tool built
# from Go modules: the same commands either way.
#
# Settings: POSTGRES_SEEDS, DB_PORT (5432), POSTGRES_USER, POSTGRES_PWD,
# DBNAME (temporal), VISIBILITY_DBNAME (temporal_visibility), and
# TEMPORAL_SCHEMA_DIR, the server's schema folder (/etc/temporal/schema in
# the admin-tools image).
set -eu
schema=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}/postgresql/v12
tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" \
    -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
}
for kind in temporal visibility; do
  case $kind in
    temporal) db=${DBNAME:-temporal} ;;
    *) db=${VISIBILITY_DBNAME:-temporal_visibility} ;;
  esac
  tool --db "$db" create || true # exists already
  tool --db "$db" setup-schema -v 0.0 || true # set up already
  tool --db "$db" update-schema -d "$schema/$kind/versioned"
done
