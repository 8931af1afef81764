#!/usr/bin/env bash
# A tiny app for the demo: says hello, then prints a tick every two seconds until stopped.
echo "ticker ${REIN_APP_NAME} instance ${REIN_APP_INSTANCE} started (pid $$), GREETING=${GREETING}"
trap 'echo "ticker got SIGINT, leaving"; exit 0' INT
n=0
while :; do
  n=$((n + 1))
  echo "tick $n"
  sleep 2 &
  wait $!
done
