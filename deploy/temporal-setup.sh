#!/bin/sh
# Creates the namespace and registers ccflow's search attributes once the
# server answers. Each attribute is registered on its own, so a cluster set
# up by an older ccflow gets the ones added since. The same commands, with
# --address, --namespace and --api-key (or the --tls-* options), register
# them on any other cluster, self-hosted or Temporal Cloud.
set -eu
ns=${TEMPORAL_NAMESPACE:-default}
until temporal operator cluster health >/dev/null 2>&1; do sleep 2; done
temporal operator namespace describe -n "$ns" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$ns" --retention 30d
# A new namespace reaches every frontend's cache within seconds; until it
# has, the commands below would not find it.
until temporal operator search-attribute list -n "$ns" >/dev/null 2>&1; do sleep 1; done

# register NAME TYPE adds one search attribute unless the namespace has it.
registered=""
register() {
  registered="$registered $1:$2"
  if temporal operator search-attribute list -n "$ns" | grep -qw "$1"; then
    echo "search attribute $1 is already registered"
  else
    temporal operator search-attribute create -n "$ns" --name "$1" --type "$2"
  fi
}
register CcflowEntryId Keyword
register CcflowService Keyword
register CcflowInteractionId Keyword
register CcflowCustomerId Keyword
register CcflowDisposition Keyword
register CcflowAverageSentiment Double
register CcflowCurrentStep Keyword

# A new attribute reaches each frontend's namespace cache within seconds
# (it refreshes every 2 s by default); until it has, a run started with it
# is refused ("no mapping defined for search attribute"). Listing the
# attributes reads the stored namespace, not that cache, so ask for runs
# by each attribute too: the frontend checks a query against its cache.
# Then the workers and starters started next find them all.
for attribute in $registered; do
  name=${attribute%%:*}
  case ${attribute#*:} in
    Double) value=0 ;;
    *) value="'-'" ;;
  esac
  until temporal operator search-attribute list -n "$ns" | grep -qw "$name" &&
    temporal workflow count -n "$ns" --query "$name = $value" >/dev/null 2>&1; do sleep 1; done
done
