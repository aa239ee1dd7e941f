#!/usr/bin/env bash
# The end-to-end suite on SQLite, then on PostgreSQL. CI's 30 minutes on two cores hold one full pass besides the
# unit tests (each pass takes about 15 minutes there; run side by side they take as long as one after the other),
# so the PostgreSQL pass runs the journey spec unless E2E_POSTGRES=all asks for every spec.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run e2e -w @medreg/web
if [ "${E2E_POSTGRES:-journey}" = all ]; then
  npm run e2e:postgres -w @medreg/web
else
  npm run e2e:postgres -w @medreg/web -- journey
fi
