/**
 * The image map given at create (a mirror, local images) stays with the instance: a later
 * manager, CLI call or the app that is not given the map again still plans the same images.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstanceManager } from '../../../electron/core/instances';
import { MemorySecretStore } from '../../../electron/core/instances/secret-store';
import { FakeEngine } from './fake-engine';
import { testRecipe, testRecipes } from './recipe';

const recipes = testRecipes;
const official = testRecipe.services.find((s) => s.name === 'web')!.image;

let home: string;
let engine: FakeEngine;
let secrets: MemorySecretStore;
const manager = (images?: Record<string, string>): InstanceManager =>
  new InstanceManager({ home, engine: async () => engine, secrets, recipes, ...(images && { images }) });
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-images-'));
  engine = new FakeEngine();
  secrets = new MemorySecretStore();
});
afterEach(() => rm(home, { recursive: true, force: true }));

describe('the image map kept with an instance', () => {
  it('is recorded at create and used by a later manager that is not given it', async () => {
    const { instance } = await manager({ [official]: 'mirror.example/web:1' }).create({ stack: 'teststack', name: 'blog', domain: 'example.com' });
    expect(instance.images).toEqual({ [official]: 'mirror.example/web:1' });
    const later = manager();
    expect((await later.get('blog')).images).toEqual({ [official]: 'mirror.example/web:1' });
    const web = (await later.planFor('blog')).services.find((s) => s.name === 'web');
    expect(web?.image).toBe('mirror.example/web:1');
  });

  it('gives way to a map given later, for the images that map names', async () => {
    await manager({ [official]: 'mirror.example/web:1' }).create({ stack: 'teststack', name: 'blog', domain: 'example.com' });
    const web = (await manager({ [official]: 'other.example/web:2' }).planFor('blog')).services.find((s) => s.name === 'web');
    expect(web?.image).toBe('other.example/web:2');
  });

  it('is not written when no map was given (the official images)', async () => {
    const { instance } = await manager().create({ stack: 'teststack', name: 'blog', domain: 'example.com' });
    expect(instance).not.toHaveProperty('images');
    expect((await manager().planFor('blog')).services.find((s) => s.name === 'web')?.image).toBe(official);
  });
});
