/**
 * The check's items as the app shows them: labels by item id (with the host or account they are
 * about), a failed item's advice by its adviceKey, the fallback to the core's sentence, the order
 * (failures first), the relay-crawl offer — and that every advice key and item id the core can
 * produce (the shipped stacks' probes and the items every stack gets) has words in both languages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CheckItemInfo, CheckResultInfo } from '../../../electron/shared/contract';
import { listRecipes } from '../../../electron/core/stacks/registry';
import { itemView, offersCrawl, ordered } from '../../../renderer/src/check/check-view';
import en from '../../../renderer/src/i18n/en.json';
import ja from '../../../renderer/src/i18n/ja.json';

const item = (o: Partial<CheckItemInfo> & { id: string }): CheckItemInfo => ({
  kind: 'check',
  pass: true,
  adviceKey: o.id,
  message: 'The core says so.',
  details: { request: null, status: null, contentType: null, bodyExcerpt: null },
  ...o,
});

const lookup = (dict: object) => (key: string) => key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], dict) !== undefined;
const hasEn = lookup(en);

describe('itemView', () => {
  it('labels an item by its id, with what it is about, and gives a failed item its advice', () => {
    expect(itemView(item({ id: 'certificate:pds.example.com' }), hasEn)).toEqual({
      tone: 'pass',
      label: { key: 'check.item.certificate', values: { host: 'pds.example.com', account: 'pds.example.com' } },
      advice: null,
    });
    const handle = itemView(item({ id: 'handle:did:plc:abc', pass: false, adviceKey: 'handle' }), hasEn);
    expect(handle).toMatchObject({ tone: 'fail', label: { key: 'check.item.handle', values: { account: 'did:plc:abc' } }, advice: 'check.advice.handle' });
    expect(itemView(item({ id: 'tunnel', pass: false, adviceKey: 'tunnel-down' }), hasEn).advice).toBe('check.advice.tunnel-down');
    expect(itemView(item({ id: 'relay:did:plc:abc', pass: 'unknown', adviceKey: 'relay-crawl' }), hasEn)).toMatchObject({ tone: 'unknown', advice: null });
    expect(itemView(item({ id: 'upload-limit', kind: 'note', adviceKey: 'upload-limit' }), hasEn)).toMatchObject({
      tone: 'note',
      advice: 'check.advice.upload-limit',
    });
  });

  it('falls back to the core’s sentence and the raw id for what this app has no words for', () => {
    expect(itemView(item({ id: 'future-probe', pass: false, adviceKey: 'future-advice' }), hasEn)).toEqual({
      tone: 'fail',
      label: { key: 'check.item.other', values: { id: 'future-probe' } },
      advice: null,
    });
  });
});

describe('ordered and offersCrawl', () => {
  it('puts failures first, then unknown, passes and notes, keeping the check’s order within each', () => {
    const items = [
      item({ id: 'a' }),
      item({ id: 'n', kind: 'note' }),
      item({ id: 'u', pass: 'unknown' }),
      item({ id: 'f1', pass: false }),
      item({ id: 'b' }),
      item({ id: 'f2', pass: false }),
    ];
    expect(ordered(items).map((i) => i.id)).toEqual(['f1', 'f2', 'u', 'a', 'b', 'n']);
  });

  it('offers the crawl only when a relay does not know an account', () => {
    const result = (items: CheckItemInfo[]): CheckResultInfo => ({
      version: 1,
      instance: 'home',
      stack: 'bluesky',
      publicUrl: 'https://pds.example.com',
      checkedAt: '2026-12-03T00:00:00.000Z',
      durationMs: 1,
      ok: false,
      counts: { passed: 0, failed: 1, unknown: 0 },
      items,
    });
    expect(offersCrawl(result([item({ id: 'relay:did:plc:a', pass: false, adviceKey: 'relay-crawl' })]))).toBe(true);
    expect(offersCrawl(result([item({ id: 'relay:did:plc:a', pass: 'unknown', adviceKey: 'relay-crawl' })]))).toBe(false);
    expect(offersCrawl(result([item({ id: 'relay', pass: false, adviceKey: 'no-relay' })]))).toBe(false);
  });
});

describe('words for everything the core can say', () => {
  // the shipped stacks' probes …
  const probes = listRecipes().flatMap((r) => r.check?.probes ?? []);
  // … and the items every stack gets (the advice keys of failures in core/check's source)
  const source = ['cross.ts', 'run.ts'].map((f) => readFileSync(new URL(`../../../electron/core/check/${f}`, import.meta.url), 'utf8')).join('\n');
  const crossKeys = [
    ...source.matchAll(/(?:item\(\s*(?:id|'[a-z-]+'),\s*false,\s*|it\(\s*false,\s*|adviceKey:\s*)'([a-z-]+)'|\?\s*'([a-z-]+)'\s*:\s*p\.adviceKey/g),
  ].map((m) => (m[1] ?? m[2]) as string);
  const crossIds = [...source.matchAll(/(?:const id = |id: )[`']([a-z-]+)[:`']/g)].map((m) => m[1] as string);

  it('finds the keys it checks (so the test cannot pass on nothing)', () => {
    expect(probes.length).toBeGreaterThan(10);
    expect(crossKeys).toEqual(
      expect.arrayContaining(['tunnel-down', 'dns-elsewhere', 'bot-fight-mode', 'cache-rule', 'clock', 'certificate', 'local-only', 'no-relay', 'health']),
    );
    expect(crossIds).toEqual(expect.arrayContaining(['tunnel', 'dns', 'clock', 'cache', 'certificate', 'local-only', 'upload-limit']));
  });

  for (const [lang, dict] of [
    ['en', en],
    ['ja', ja],
  ] as const) {
    it(`has advice and a label in ${lang} for every probe and every item`, () => {
      const has = lookup(dict);
      const missing = [
        ...new Set([...probes.map((p) => `check.advice.${p.adviceKey}`), ...crossKeys.map((k) => `check.advice.${k}`)]),
        ...new Set([...probes.map((p) => `check.item.${p.id}`), ...crossIds.map((i) => `check.item.${i}`)]),
      ].filter((k) => !has(k));
      expect(missing).toEqual([]);
    });
  }
});
