#!/usr/bin/env bash
# A demo worker: reports which instance it is, then "works" until asked to stop.
echo "worker instance ${REIN_APP_INSTANCE} of ${REIN_APP_NAME} (pid $$) in $(pwd)"
trap 'echo "worker ${REIN_APP_INSTANCE} draining"; exit 0' INT TERM
while :; do
  sleep 5 &
  wait $!
  echo "worker ${REIN_APP_INSTANCE}: job done"
done
