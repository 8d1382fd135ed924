#!/bin/sh
# Create Sluice's namespace and register its search attributes. Idempotent.
#
# Works anywhere the `temporal` CLI can reach the frontend, not only in the compose job:
#   TEMPORAL_ADDRESS=temporal.example.com:7233 SLUICE_NAMESPACE=default \
#       sh deploy/temporal/scripts/setup-sluice.sh
# (add TEMPORAL_TLS=true / TEMPORAL_API_KEY=... for a TLS or Temporal Cloud endpoint; the
# CLI reads those variables itself).
set -eu

: "${TEMPORAL_ADDRESS:=127.0.0.1:7233}" "${SLUICE_NAMESPACE:=default}" "${SLUICE_RETENTION:=30d}"
export TEMPORAL_ADDRESS
# Keep in step with sluice/cli/servers.py SEARCH_ATTRIBUTES.
ATTRIBUTES="SluiceAgent SluiceHost SluiceRule SluiceFileName SluiceStatus"

echo "waiting for Temporal at $TEMPORAL_ADDRESS"
tries=0
until temporal operator cluster health >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then
        echo "Temporal at $TEMPORAL_ADDRESS is not healthy after 60 tries" >&2
        exit 1
    fi
    sleep 2
done

if temporal operator namespace describe --namespace "$SLUICE_NAMESPACE" >/dev/null 2>&1; then
    echo "namespace $SLUICE_NAMESPACE exists"
else
    temporal operator namespace create --namespace "$SLUICE_NAMESPACE" \
        --retention "$SLUICE_RETENTION"
    echo "namespace $SLUICE_NAMESPACE created (retention $SLUICE_RETENTION)"
fi

# A new namespace reaches every frontend's cache within ~10 s; until then it is "not found".
tries=0
until existing=$(temporal operator search-attribute list --namespace "$SLUICE_NAMESPACE" 2>&1); do
    tries=$((tries + 1))
    if [ "$tries" -ge 30 ]; then
        echo "cannot list search attributes of $SLUICE_NAMESPACE: $existing" >&2
        exit 1
    fi
    sleep 2
done
for name in $ATTRIBUTES; do
    if printf '%s\n' "$existing" | grep -qw "$name"; then
        echo "search attribute $name exists"
    else
        temporal operator search-attribute create --namespace "$SLUICE_NAMESPACE" \
            --name "$name" --type Keyword
        echo "search attribute $name created (Keyword)"
    fi
done
