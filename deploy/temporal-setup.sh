#!/bin/sh
# Creates the namespace and registers ccflow's search attributes once the
# server answers. The same commands register them on any other cluster
# (self-hosted or Temporal Cloud with --api-key/--tls options).
set -eu
ns=${TEMPORAL_NAMESPACE:-default}
until temporal operator cluster health >/dev/null 2>&1; do sleep 2; done
temporal operator namespace describe -n "$ns" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$ns" --retention 30d
temporal operator search-attribute create -n "$ns" \
  --name CcflowEntryId --type Keyword \
  --name CcflowService --type Keyword \
  --name CcflowInteractionId --type Keyword \
  --name CcflowCustomerId --type Keyword \
  --name CcflowDisposition --type Keyword \
  --name CcflowAverageSentiment --type Double ||
  echo "search attributes already registered"
