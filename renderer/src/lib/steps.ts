/**
 * The catalogue key and values naming an operation step. The core names steps `image:<ref>`,
 * `create:<service>`, `start:<service>`, `setup:<name>`, `network`, `volumes`, `health` …; steps
 * of features the renderer does not know yet are shown as the core names them.
 */
const PREFIXED = ['image', 'create', 'start', 'setup'] as const;
const PLAIN = ['network', 'volumes', 'health'] as const;

export function stepText(step: string): { key: string; values: Record<string, string> } | { raw: string } {
  const colon = step.indexOf(':');
  if (colon > 0) {
    const prefix = step.slice(0, colon);
    const rest = step.slice(colon + 1);
    if ((PREFIXED as readonly string[]).includes(prefix)) return { key: `progress.step.${prefix}`, values: { name: rest } };
  }
  if ((PLAIN as readonly string[]).includes(step)) return { key: `progress.step.${step}`, values: {} };
  return { raw: step };
}

/** Catalogue keys stepText can answer (for the catalogue test). */
export const STEP_KEYS = [...PREFIXED, ...PLAIN].map((s) => `progress.step.${s}`);
