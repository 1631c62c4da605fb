#!/bin/sh
# Prepares a running Temporal server for Pressroom: waits until the frontend reports SERVING, makes
# sure the namespace exists (temporalio/server, unlike the deprecated auto-setup image, creates none)
# and registers each search attribute given as an argument, `Name=Type` (the list is
# SEARCH_ATTRIBUTES in src/domain/names.ts). Safe to run again: an existing namespace is kept and an
# attribute that exists with the same type is accepted; one with another type fails the run.
set -eu

address="${TEMPORAL_ADDRESS:?set TEMPORAL_ADDRESS to the frontend host:port}"
namespace="${TEMPORAL_NAMESPACE:-default}"
retention="${TEMPORAL_NAMESPACE_RETENTION:-72h}"
attempts="${TEMPORAL_SETUP_ATTEMPTS:-60}"

# Runs "$@" until it succeeds, 2 s apart; the last failure's output is kept for the message.
retry() {
  what=$1
  shift
  n=0
  until out=$("$@" 2>&1); do
    case $out in
      *"different type"*) echo "temporal-setup: $what: $out (not retryable: the attribute exists with another type)" >&2; exit 1 ;;
    esac
    n=$((n + 1))
    if [ "$n" -ge "$attempts" ]; then
      echo "temporal-setup: $what failed $attempts times (2 s apart) against $address: $out" >&2
      exit 1
    fi
    sleep 2
  done
}

retry "the health check" temporal operator cluster health --address "$address"

if temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; then
  echo "temporal-setup: namespace $namespace exists"
else
  retry "creating namespace $namespace" \
    temporal operator namespace create --address "$address" --namespace "$namespace" --retention "$retention"
  echo "temporal-setup: namespace $namespace created (retention $retention)"
fi

# A namespace just created is unknown to the frontend's registry for a few seconds, hence the retry.
for attribute in "$@"; do
  name=${attribute%%=*}
  type=${attribute#*=}
  if [ -z "$name" ] || [ "$name" = "$attribute" ] || [ -z "$type" ]; then
    echo "temporal-setup: expected a search attribute as Name=Type, got '$attribute'" >&2
    exit 2
  fi
  retry "registering search attribute $name ($type)" \
    temporal operator search-attribute create --address "$address" --namespace "$namespace" --name "$name" --type "$type"
  echo "temporal-setup: search attribute $name ($type) registered"
done
