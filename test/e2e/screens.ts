/** Screenshots of each step, saved under test-results/screens/ (git-ignored, never committed). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';

const dir = fileURLToPath(new URL('../../test-results/screens/', import.meta.url));

/** Saves the whole page as `<name>.png`. */
export async function screen(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
