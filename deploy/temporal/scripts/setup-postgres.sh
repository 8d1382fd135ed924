#!/bin/sh
# Create (first run) or upgrade (every run) Temporal's PostgreSQL schemas.
# Runs in temporalio/admin-tools; the password comes from $SQL_PASSWORD.
set -eu

: "${POSTGRES_SEEDS:=postgresql}" "${DB_PORT:=5432}" "${POSTGRES_USER:=temporal}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

echo "waiting for PostgreSQL at ${POSTGRES_SEEDS}:${DB_PORT}"
until nc -z -w 5 "$POSTGRES_SEEDS" "$DB_PORT"; do sleep 1; done

sql() {
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" \
        -u "$POSTGRES_USER" "$@"
}

for db in temporal temporal_visibility; do
    case "$db" in
        temporal) versioned="$SCHEMA_DIR/temporal/versioned" ;;
        *) versioned="$SCHEMA_DIR/visibility/versioned" ;;
    esac
    # `create` and `setup-schema -v 0.0` fail once they have run before; that is the
    # normal restart case. `update-schema` then brings the schema to the image's version
    # and fails loudly on any real problem (credentials, connectivity, bad schema).
    sql --db "$db" create || echo "database $db exists"
    sql --db "$db" setup-schema -v 0.0 || echo "schema of $db is already set up"
    sql --db "$db" update-schema -d "$versioned"
done
echo "PostgreSQL schemas are up to date"
