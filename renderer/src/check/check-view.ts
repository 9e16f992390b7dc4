/**
 * How the outside-in check's items read in the app (pure, unit-tested): the label of each item (by
 * its id: `certificate:<host>` and `<probe>:<did>` carry what they are about), the translated advice
 * of a failed item (by its adviceKey; the core's English sentence when this app has no words for
 * it), and the PDS's "ask the relay to crawl" offer.
 */
import type { CheckItemInfo, CheckResultInfo } from '../../../electron/shared/contract';

export type ItemTone = 'pass' | 'fail' | 'unknown' | 'note';

export interface ItemView {
  tone: ItemTone;
  /** i18n key of the label and its values */
  label: { key: string; values: Record<string, string> };
  /** i18n key of the advice shown under a failed item or a note (null: none) */
  advice: string | null;
}

/** The translations the view needs to know exist (`i18n.exists`). */
export type HasKey = (key: string) => boolean;

export function itemView(item: CheckItemInfo, has: HasKey): ItemView {
  const [base = item.id, ...rest] = item.id.split(':');
  const about = rest.join(':');
  const tone: ItemTone = item.kind === 'note' ? 'note' : item.pass === true ? 'pass' : item.pass === false ? 'fail' : 'unknown';
  const labelKey = `check.item.${base}`;
  const label: ItemView['label'] = has(labelKey)
    ? { key: labelKey, values: { host: about, account: about } }
    : { key: 'check.item.other', values: { id: item.id } };
  const adviceKey = `check.advice.${item.adviceKey}`;
  const advice = tone === 'fail' || tone === 'note' ? (has(adviceKey) ? adviceKey : null) : null;
  return { tone, label, advice };
}

/** A relay that does not know a repo: the check's one action (PDS). */
export function offersCrawl(result: CheckResultInfo): boolean {
  return result.items.some((i) => i.pass === false && i.adviceKey === 'relay-crawl');
}

/** Failed items first (in the check's order), then what could not be checked, what passed, and the notes. */
export function ordered(items: readonly CheckItemInfo[]): CheckItemInfo[] {
  const rank = (i: CheckItemInfo): number => (i.kind === 'note' ? 3 : i.pass === false ? 0 : i.pass === 'unknown' ? 1 : 2);
  return [...items]
    .map((item, n) => ({ item, n }))
    .sort((a, b) => rank(a.item) - rank(b.item) || a.n - b.n)
    .map((x) => x.item);
}
