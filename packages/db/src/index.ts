export * from './tables/index.js';
export { createDb, isBusy, pgTypes, writeUnlessBusy, type Db, type DbConfig, type Dialect } from './connection.js';
export { migrateToLatest } from './migrate.js';
export { copyToPostgres, NonEmptyTargetError, rowCounts, sqliteTables, type CopyProgress, type CopyResult } from './copy-to-postgres.js';
export { prepared } from './prepared.js';
