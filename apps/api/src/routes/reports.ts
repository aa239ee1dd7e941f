import type { Hono } from 'hono';
import type { Services } from '@medreg/core';
import type { Env } from '../http.js';

/** The register (Bestandsverzeichnis) and logbook (Medizinproduktebuch) PDFs (signed-in users; the caller has installed the sign-in middleware). */
export function reportRoutes(app: Hono<Env>, services: Services): void {
  void app;
  void services;
}
