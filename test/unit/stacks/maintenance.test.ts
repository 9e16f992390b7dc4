/**
 * The clean-up tasks of the shipped recipes, against upstream's own commands and defaults
 * (lib/mastodon/cli/media.rb, preview_cards.rb; Misskey's admin/drive/clean-remote-files and Meta),
 * and the checks that keep a recipe's clean-up away from data: references, cache volumes only, the
 * `{{days}}` placeholder only, and the structure check of recipe JSON.
 */
import { describe, expect, it } from 'vitest';
import { assertRecipe } from '../../../electron/core/stacks/assert-recipe';
import { blueskyRecipe } from '../../../electron/core/stacks/bluesky/recipe';
import {
  cacheVolumesOf,
  checkMaintenance,
  cleanDaysProblem,
  DEFAULT_CLEAN_DAYS,
  maintenanceTasks,
  taskCommand,
  taskDays,
} from '../../../electron/core/stacks/maintenance';
import { mastodonRecipe } from '../../../electron/core/stacks/mastodon/recipe';
import { misskeyRecipe } from '../../../electron/core/stacks/misskey/recipe';
import type { MaintenanceTask, Recipe } from '../../../electron/core/stacks/types';

const exec = (t: MaintenanceTask) => {
  if (t.kind !== 'exec') throw new Error(`${t.id} is not an exec task`);
  return t;
};

describe('Mastodon: the three tootctl commands, daily, on the media cache', () => {
  const tasks = maintenanceTasks(mastodonRecipe);

  it('runs upstream’s commands in web with the days setting (default 7, as tootctl media remove’s own)', () => {
    expect(DEFAULT_CLEAN_DAYS).toBe(7);
    expect(tasks.map((t) => `${t.service}: ${taskCommand(exec(t), DEFAULT_CLEAN_DAYS).join(' ')}`)).toEqual([
      'web: bin/tootctl media remove --days 7',
      'web: bin/tootctl preview_cards remove --days 14',
      'web: bin/tootctl media remove --prune-profiles --days 7',
    ]);
    expect(tasks.every((t) => t.schedule === 'daily')).toBe(true);
    expect(taskCommand(exec(tasks[0]!), 30)).toEqual(['bin/tootctl', 'media', 'remove', '--days', '30']);
  });

  it('gives preview cards at least 14 days (upstream: a card is not fetched again sooner)', () => {
    const cards = exec(tasks.find((t) => t.id === 'preview-cards')!);
    expect(taskDays(cards, 1)).toBe(14);
    expect(taskDays(cards, 30)).toBe(30);
    expect(taskCommand(cards, 30)).toEqual(['bin/tootctl', 'preview_cards', 'remove', '--days', '30']);
  });

  it('shrinks only the media-cache volume, which backups leave out, mounted where tootctl writes its cache', () => {
    expect(cacheVolumesOf(mastodonRecipe)).toEqual(['media-cache']);
    expect(mastodonRecipe.volumes.find((v) => v.name === 'media-cache')?.backup).toBe('cache');
    const web = mastodonRecipe.services.find((s) => s.name === 'web');
    expect(web?.mounts).toContainEqual({ volume: 'media-cache', target: '/opt/mastodon/public/system/cache' });
  });

  it('says what each task removes in English and Japanese, and names upstream’s own retention setting', () => {
    for (const t of tasks) {
      expect(t.removes.en.length, t.id).toBeGreaterThan(20);
      expect(t.removes.ja, t.id).toMatch(/[ぁ-んァ-ン一-龥]/);
    }
    expect(mastodonRecipe.maintenanceNote?.en).toMatch(/Content retention/);
  });
});

describe('Misskey: remote files not cached, the clean-up left to the admin', () => {
  it('creates the server with cacheRemoteFiles off, in the federation call (default.yml has no such key)', () => {
    const federation = misskeyRecipe.http?.find((h) => h.name === 'federation');
    expect(federation?.path).toBe('/api/admin/update-meta');
    expect(federation?.body).toEqual({ federation: 'all', cacheRemoteFiles: false });
  });

  it('offers the control panel’s clean-up on demand, as instructions (it needs a moderator token Engawa does not keep)', () => {
    const tasks = maintenanceTasks(misskeyRecipe);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ id: 'remote-files', kind: 'admin-ui', schedule: 'on-demand', volumes: [] });
    expect(tasks[0]?.kind === 'admin-ui' && tasks[0].where.en).toMatch(/Control panel → Files.*Clear cache/);
    expect(cacheVolumesOf(misskeyRecipe)).toEqual([]);
  });
});

describe('Bluesky PDS: nothing to prune', () => {
  it('has no tasks, and says why', () => {
    expect(maintenanceTasks(blueskyRecipe)).toEqual([]);
    expect(blueskyRecipe.maintenanceNote?.en).toMatch(/nothing to clean/);
    expect(blueskyRecipe.maintenanceNote?.ja).toMatch(/ありません/);
  });
});

describe('checks', () => {
  const withTasks = (tasks: MaintenanceTask[]): Recipe => ({ ...mastodonRecipe, maintenance: tasks });
  const base = exec(maintenanceTasks(mastodonRecipe)[0]!);

  it('accepts the shipped recipes, and their JSON passes the structure check', () => {
    for (const r of [mastodonRecipe, misskeyRecipe, blueskyRecipe]) {
      expect(() => checkMaintenance(r)).not.toThrow();
      expect(() => assertRecipe(JSON.parse(JSON.stringify(r)))).not.toThrow();
    }
  });

  it.each([
    ['a data volume', { ...base, volumes: ['db-data'] }, /"db-data" holds data/],
    ['an unknown volume', { ...base, volumes: ['nope'] }, /no volume "nope"/],
    ['an unknown service', { ...base, service: 'nope' }, /no service "nope"/],
    ['another placeholder', { ...base, command: ['rm', '-rf', '{{secret.db_password}}'] }, /only \{\{days\}\}/],
  ])('refuses a task naming %s', (_what, task, message) => {
    expect(() => checkMaintenance(withTasks([task as MaintenanceTask]))).toThrow(message);
  });

  it('refuses two tasks with one id, and a task with an unknown field in JSON', () => {
    expect(() => checkMaintenance(withTasks([base, base]))).toThrow(/same id/);
    const json = JSON.parse(JSON.stringify(withTasks([{ ...base, sudo: true } as MaintenanceTask]))) as unknown;
    expect(() => assertRecipe(json)).toThrow(/maintenance\[0\]\.sudo: unknown field/);
  });

  it('takes days from 1 to 365 only', () => {
    expect([1, 7, 365].map(cleanDaysProblem)).toEqual([null, null, null]);
    for (const bad of [0, 366, 7.5, -1, Number.NaN, '7']) expect(cleanDaysProblem(bad)).toMatch(/from 1 to 365/);
  });
});
