#!/bin/sh
# Starts ccflow's Temporal server on PostgreSQL with the configuration in
# deploy/temporal/config/ccflow.yaml, rendered from the environment (its
# header lists the settings). docker compose runs it in the temporalio/server
# image; `make production` runs it with the server built from Go
# modules, so both start the same server the same way.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${DB:=postgres12}"
if [ "$DB" != postgres12 ]; then
  echo "temporal-server.sh: ccflow's Temporal runs on PostgreSQL (DB=postgres12), not DB=$DB" >&2
  exit 1
fi
: "${DYNAMIC_CONFIG_FILE_PATH:=$here/temporal/dynamicconfig.yaml}"
export DYNAMIC_CONFIG_FILE_PATH
# Bound to every interface (in a container), the server must tell its peers
# one address they can reach it on.
if [ "${BIND_ON_IP:-127.0.0.1}" = 0.0.0.0 ] && [ -z "${TEMPORAL_BROADCAST_ADDRESS:-}" ]; then
  TEMPORAL_BROADCAST_ADDRESS=$(hostname -i | awk '{print $1}')
  export TEMPORAL_BROADCAST_ADDRESS
fi
exec "${TEMPORAL_SERVER:-temporal-server}" --root "$here/temporal" --config config --env ccflow --allow-no-auth start
