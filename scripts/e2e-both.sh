#!/usr/bin/env bash
# The end-to-end suite on SQLite (the main pass: every look, screenshots kept) and, side by side with it, every spec
# again on PostgreSQL (each server gets a fresh database there) followed by the specs of what several server
# processes share (imports, the logbook check, sign-in, files) on SQLite with two processes. Side by side because a
# pass alone leaves part of two cores idle while it waits for pages: measured on a slow 2-core host, 980 s for the
# SQLite and PostgreSQL passes together against 1,119 s one after the other. Output is prefixed with the pass; the
# exit code is non-zero if any pass failed.
set -uo pipefail
cd "$(dirname "$0")/.."
{
  npm run e2e -w @medreg/web 2>&1 | sed -u 's/^/[sqlite] /'
  exit "${PIPESTATUS[0]}"
} &
main=$!
{
  npm run e2e:postgres -w @medreg/web 2>&1 | sed -u 's/^/[postgres] /'
  postgres=${PIPESTATUS[0]}
  MEDREG_PROCESSES=2 npm run e2e -w @medreg/web -- e2e/import e2e/integrity e2e/accounts e2e/files 2>&1 |
    sed -u 's/^/[2 processes] /'
  processes=${PIPESTATUS[0]}
  [ "$postgres" -eq 0 ] && [ "$processes" -eq 0 ]
} &
others=$!
status=0
wait "$main" || status=1
wait "$others" || status=1
exit "$status"
