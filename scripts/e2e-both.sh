#!/usr/bin/env bash
# The end-to-end suite on SQLite and on PostgreSQL side by side: each pass drives one server and one browser at a
# time, so on two cores the pair takes little longer than one. Output is prefixed with the database; the exit code
# is non-zero if either pass failed.
set -uo pipefail
cd "$(dirname "$0")/.."
npm run e2e -w @medreg/web 2>&1 | sed -u 's/^/[sqlite] /' &
sqlite=$!
npm run e2e:postgres -w @medreg/web 2>&1 | sed -u 's/^/[postgres] /' &
postgres=$!
status=0
wait "$sqlite" || status=1
wait "$postgres" || status=1
exit "$status"
