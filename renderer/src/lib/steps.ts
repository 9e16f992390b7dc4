/**
 * The catalogue key and values naming an operation step. The core names steps `image:<ref>`,
 * `create:<service>`, `start:<service>`, `setup:<name>`, `network`, `volumes`, `health` …, and
 * those of backups and restores with a sentence ("Check the backup file"); steps of features the
 * renderer does not know yet are shown as the core names them.
 */
const PREFIXED = ['image', 'create', 'start', 'setup'] as const;
const PLAIN = ['network', 'volumes', 'health'] as const;
/** Steps of backups and restores, which the core names with a plain English sentence. */
const SENTENCES: Readonly<Record<string, string>> = {
  'Check the backup file': 'checkFile',
  'Clear what an interrupted restore left': 'clearLeftovers',
  'Create new storage': 'newStorage',
  'Restore the data': 'restoreData',
  'Start the restored copy': 'startCopy',
  'Start the restored server': 'startRestored',
  'Switch the server to the restored data': 'switchData',
  'Measure the data': 'measure',
  'Write the backup file': 'writeFile',
  'Check the restored data': 'checkRestored',
};

export function stepText(step: string): { key: string; values: Record<string, string> } | { raw: string } {
  const colon = step.indexOf(':');
  if (colon > 0) {
    const prefix = step.slice(0, colon);
    const rest = step.slice(colon + 1);
    if ((PREFIXED as readonly string[]).includes(prefix)) return { key: `progress.step.${prefix}`, values: { name: rest } };
  }
  if ((PLAIN as readonly string[]).includes(step)) return { key: `progress.step.${step}`, values: {} };
  const sentence = Object.hasOwn(SENTENCES, step) ? SENTENCES[step] : undefined;
  if (sentence !== undefined) return { key: `progress.step.backup.${sentence}`, values: {} };
  return { raw: step };
}

/** Catalogue keys stepText can answer (for the catalogue test). */
export const STEP_KEYS = [...[...PREFIXED, ...PLAIN].map((s) => `progress.step.${s}`), ...Object.values(SENTENCES).map((s) => `progress.step.backup.${s}`)];
