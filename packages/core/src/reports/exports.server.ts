// What the API's report routes need from this domain (re-exported by the package index).
export { registerReport, registerReaders, REGISTER_BATCH, type RegisterReport, type RegisterRow } from './register.server.js';
export { logbookReport, printablePhoto, type LogbookReport } from './logbook.server.js';
