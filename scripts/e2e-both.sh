#!/usr/bin/env bash
# The end-to-end suite on SQLite, then every spec again on PostgreSQL (each server gets a fresh database there),
# then the specs of what several server processes share (imports, the logbook check, sign-in, files) on SQLite with
# two processes. On two quiet cores each full pass takes about 4 to 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run e2e -w @medreg/web
npm run e2e:postgres -w @medreg/web
MEDREG_PROCESSES=2 npm run e2e -w @medreg/web -- e2e/import e2e/integrity e2e/accounts e2e/files e2e/inspections
