#!/usr/bin/env bash
# The end-to-end suite on SQLite, then every spec again on PostgreSQL (each server gets a fresh database there).
# On two quiet cores each pass takes about 4 to 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run e2e -w @medreg/web
npm run e2e:postgres -w @medreg/web
