/**
 * Issue 14's "Must show" on the real engine: `docker inspect` (dockerode) of every container of an
 * instance shows no secret value in Config.Env, Cmd, Entrypoint or the health check except in the
 * env variables the recipe lists with a reason (ServiceSpec.envSecrets), and every container drops
 * all capabilities, adds back only its recipe's and may not gain privileges.
 */
import { expect } from 'vitest';
import { LABELS } from '../../electron/core/plan/types';
import type { Recipe } from '../../electron/core/stacks/types';
import { docker } from './helpers';

/** Secret values shorter than this are not searched for (plan() does the same; generated ones are longer). */
const MIN_SEARCHED = 8;

/**
 * Inspects every service container of `project` and checks the above against `recipe` (the one the
 * instance runs, with its connector when it has one) and the instance's secrets. Returns the
 * services it looked at, so a caller can check none was missed.
 */
export async function expectInspectClean(project: string, recipe: Recipe, secrets: Record<string, string>): Promise<string[]> {
  const values = Object.values(secrets).filter((v) => v.length >= MIN_SEARCHED);
  expect(values.length).toBeGreaterThan(0);
  const list = await docker().listContainers({ all: true, filters: { label: [`${LABELS.project}=${project}`, `${LABELS.role}=service`] } });
  const seen: string[] = [];
  for (const c of list) {
    const service = c.Labels[LABELS.service] as string;
    const spec = recipe.services.find((s) => s.name === service);
    expect(spec, `${project}/${service} is a service of the recipe`).toBeDefined();
    const info = await docker().getContainer(c.Id).inspect();
    const listed = spec?.envSecrets ?? {};
    const words = (v: string[] | string | undefined | null): string[] => (v == null ? [] : Array.isArray(v) ? v : [v]);
    const env = (info.Config.Env ?? []).filter((line) => !Object.hasOwn(listed, line.slice(0, line.indexOf('='))));
    const shown = [...env, ...words(info.Config.Cmd), ...words(info.Config.Entrypoint), ...words(info.Config.Healthcheck?.Test)];
    const leaks = shown.filter((text) => values.some((v) => text.includes(v))).map((text) => text.split('=')[0]);
    expect(leaks, `${service}: secrets shown by docker inspect`).toEqual([]);
    expect(info.HostConfig.CapDrop, service).toEqual(['ALL']);
    expect([...(info.HostConfig.CapAdd ?? [])].sort(), service).toEqual([...(spec?.capAdd ?? [])].sort());
    expect(info.HostConfig.SecurityOpt, service).toContain('no-new-privileges:true');
    seen.push(service);
  }
  return seen.sort();
}
