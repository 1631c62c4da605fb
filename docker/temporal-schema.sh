#!/bin/sh
# Creates Temporal's two databases in PostgreSQL and brings their schemas up to the version this
# admin-tools image ships, which must be the server image's version. Every step is idempotent
# (create skips an existing database, setup-schema keeps a newer version, update-schema applies only
# what is missing), so the one-shot service may run on every `docker compose up`.
set -eu

: "${POSTGRES_SEEDS:?set POSTGRES_SEEDS to the PostgreSQL host}"
: "${POSTGRES_USER:?set POSTGRES_USER to a PostgreSQL role that may create databases}"
: "${SQL_PASSWORD:?set SQL_PASSWORD to that role's password}"
port="${DB_PORT:-5432}"
schema_dir=/etc/temporal/schema/postgresql/v12

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" "$@"
}

for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  dir=$schema_dir/${pair#*:}/versioned
  echo "temporal-schema: database $db, schema from $dir"
  sql_tool --db "$db" create
  sql_tool --db "$db" setup-schema -v 0.0
  sql_tool --db "$db" update-schema -d "$dir"
done
echo "temporal-schema: done"
