/**
 * The catalogue key and values naming an operation step. The core names steps `image:<ref>`,
 * `create:<service>`, `start:<service>`, `setup:<name>`, `network`, `volumes`, `health` …, those
 * of backups and restores with a sentence ("Check the backup file", "Dump the database of db"),
 * and those of updates with a sentence that may name a release ("Switch to 1.1.0"); steps of
 * features the renderer does not know yet are shown as the core names them.
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

/** Steps named with a sentence holding a name (backups) or a release (updates, core/update): the sentence, its key, the names of its parts. */
const PATTERNS: readonly (readonly [RegExp, string, readonly string[]])[] = [
  [/^Dump the database of (.+)$/, 'backup.dumpDb', ['service']],
  [/^Copy the storage "(.+)"$/, 'backup.copyVolume', ['volume']],
  [/^Stop (.+) for a consistent copy$/, 'backup.stopForCopy', ['services']],
  [/^Start (.+) again$/, 'backup.startAgain', ['services']],
  [/^Check the server can be updated$/, 'update.preflight', []],
  [/^Download the new release$/, 'update.download', []],
  [/^Stop the server for the data move$/, 'update.stopForMove', []],
  [/^Back up before the update to (.+)$/, 'update.backUp', ['version']],
  [/^Check the backup$/, 'update.checkBackup', []],
  [/^Update to (.+)$/, 'update.updateTo', ['version']],
  [/^Move the data of (.+) to the new format$/, 'update.moveData', ['volumes']],
  [/^Switch to (.+)$/, 'update.switchTo', ['version']],
  [/^Go back to (.+)$/, 'update.goBack', ['version']],
  [/^Check the backup made before the update$/, 'update.checkPreUpdate', []],
];

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
  for (const [pattern, key, parts] of PATTERNS) {
    const m = pattern.exec(step);
    if (m) return { key: `progress.step.${key}`, values: Object.fromEntries(parts.map((p, i) => [p, m[i + 1] ?? ''])) };
  }
  return { raw: step };
}

/** Catalogue keys stepText can answer (for the catalogue test). */
export const STEP_KEYS = [
  ...[...PREFIXED, ...PLAIN].map((s) => `progress.step.${s}`),
  ...Object.values(SENTENCES).map((s) => `progress.step.backup.${s}`),
  ...PATTERNS.map(([, key]) => `progress.step.${key}`),
];
