/** Removes the e2e host's ENGAWA_HOME (made in playwright.config.ts) once every spec has run. */
import { rm } from 'node:fs/promises';

export default async function globalTeardown(): Promise<void> {
  const home = process.env.ENGAWA_E2E_HOME;
  if (home) await rm(home, { recursive: true, force: true });
}
