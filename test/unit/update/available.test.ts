import { describe, expect, it } from 'vitest';
import { updateInfo } from '../../../electron/core/update/available';
import type { InstanceRecord } from '../../../electron/core/instances';
import type { Recipe } from '../../../electron/core/stacks/types';

const recipe: Recipe = {
  id: 'demo',
  name: 'Demo',
  version: '2.1',
  summary: { en: '', ja: '' },
  memoryMiB: 1,
  secrets: [],
  volumes: [{ name: 'db', description: '', backup: 'data' }],
  services: [
    { name: 'db', image: 'pg:17' },
    { name: 'web', image: 'web:2.1', ports: [{ container: 80, name: 'http' }] },
  ],
  setup: [],
  ingress: [],
  web: { service: 'web', port: 'http', healthPath: '/', publicHost: '{{domain}}' },
  admin: { kind: 'none' },
  releases: [
    { version: '2.1', security: true, notesUrl: 'https://example.com/2.1', from: ['2.0'], downloadMiB: 100 },
    { version: '2.0', dataMoves: ['db'], services: { web: { image: 'web:2.0' } }, downloadMiB: 300 },
    { version: '1.0', services: { db: { image: 'pg:15' }, web: { image: 'web:1' } } },
  ],
};

const record = (stackVersion: string): InstanceRecord => ({
  version: 1,
  name: 'srv',
  stack: 'demo',
  stackVersion,
  domain: 'example.com',
  createdAt: '2026-01-01T00:00:00.000Z',
  settings: {},
  overrides: [],
  ports: {},
  admin: null,
  tunnel: null,
  state: 'running',
});

describe('updateInfo', () => {
  it('gives the path, security, notes, download and downtime', () => {
    const info = updateInfo(recipe, record('1.0'));
    expect(info.target).toBe('2.1');
    expect(info.steps.map((s) => `${s.from}→${s.to}`)).toEqual(['1.0→2.0', '2.0→2.1']);
    expect(info.steps[0]).toMatchObject({ dataMoves: ['db'], services: ['db', 'web'], security: false });
    expect(info.steps[1]).toMatchObject({ security: true, notesUrl: 'https://example.com/2.1', services: ['web'] });
    expect(info.security).toBe(true);
    expect(info.downloadBytes).toBe(400 * 1024 * 1024);
    expect(info.downtimeS).toBeGreaterThan(0);
  });

  it('is up to date on the newest release', () => {
    const info = updateInfo(recipe, record('2.1'));
    expect(info.target).toBeUndefined();
    expect(info.steps).toEqual([]);
  });

  it('refuses an unknown target and a downgrade with their reasons', () => {
    expect(() => updateInfo(recipe, record('2.0'), '3.0')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', details: expect.objectContaining({ reason: 'unknown-release' }) }),
    );
    expect(() => updateInfo(recipe, record('2.1'), '1.0')).toThrow(expect.objectContaining({ details: expect.objectContaining({ reason: 'downgrade' }) }));
  });

  it('shows an unfinished update and the rollback offer', () => {
    const r = { ...record('2.0'), update: { from: '1.0', stepFrom: '1.0', to: '2.0', target: '2.1', phase: 'switching' as const, startedAt: '' } };
    expect(updateInfo(recipe, r).unfinished).toEqual({ to: '2.1', phase: 'switching' });
    const done = { ...record('2.1'), lastUpdate: { from: '2.0', to: '2.1', at: 'now', backup: '/b', downtimeMs: 5 } };
    expect(updateInfo(recipe, done).rollback).toEqual({ to: '2.0', backup: '/b', at: 'now' });
  });
});
