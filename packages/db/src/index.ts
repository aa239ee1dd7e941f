export * from './tables/index.js';
export { createDb, pgTypes, type Db, type DbConfig, type Dialect } from './connection.js';
export { migrateToLatest } from './migrate.js';
