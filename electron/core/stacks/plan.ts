/**
 * `plan(recipe, choices)`: the pure step from a recipe and the user's choices to the complete desired
 * state the engine applies. Deterministic (same input → deep-equal output), no I/O, inputs untouched.
 * A recipe that refers to something it does not declare is a recipe bug (INTERNAL); a bad choice
 * (unknown service in an override, missing secret, bad setting) is the caller's (INVALID_INPUT).
 */
import { createHash } from 'node:crypto';
import {
  LABELS,
  type Plan,
  type PlannedFile,
  type PlannedHttpStep,
  type PlannedIngress,
  type PlannedService,
  type PlannedStep,
  type PlannedVolume,
} from '../plan/types';
import { render, type TemplateContext } from './template';
import type { Recipe, ServiceSpec } from './types';
import { canonicalJson } from '../util/canonical-json';
import { DIGESTS, imageToRun } from '../plan/digests';
import { validateDomain, validateInstanceName } from './validate';
import { checkReleases } from './releases';
import { captureOf, checkPorts, groupOverrides, knownService, recipeBug, resolveSecrets, resolveSettings, sortByDependencies, unique } from './plan-checks';
import { capAddOf, checkNoSecretShown, checkSecretEnvKeys } from './hardening';

/** What the user (or the instance's stored state) decides for one instance. */
export interface PlanChoices {
  instance: string;
  domain: string;
  secrets: Record<string, string>;
  settings?: Record<string, string>;
  /** official image reference → the local reference to use instead */
  images?: Record<string, string>;
  /** official image → its recorded digest (default: plan/digests.ts; tests give their own) */
  digests?: Readonly<Record<string, string>>;
  /** `--set SERVICE.ENV=VALUE`, applied after template rendering */
  overrides?: { service: string; key: string; value: string }[];
  /** port name → host port on 127.0.0.1 (missing: 0, Docker chooses) */
  ports?: Record<string, number>;
  /** volume key → Docker volume name, for volumes not at `<project>_<key>` (a restore's new generation) */
  volumeNames?: Record<string, string>;
}

/** Compose's label listing a container's dependencies, `db:service_healthy:false,…`. */
export const DEPENDS_ON_LABEL = LABELS.dependsOn;

/** Turns a recipe and the user's choices into the plan the engine applies. */
export function plan(recipe: Recipe, choices: PlanChoices): Plan {
  const instance = validateInstanceName(choices.instance);
  const domain = validateDomain(choices.domain);
  const project = `engawa-${instance}`;
  const serviceNames = unique(
    recipe.services.map((s) => s.name),
    'service',
  );
  unique(
    recipe.volumes.map((v) => v.name),
    'volume',
  );
  unique(
    recipe.services.flatMap((s) => (s.ports ?? []).map((p) => p.name)),
    'port',
  );
  checkReleases(recipe);
  const ownLabels = { [LABELS.managed]: 'true', [LABELS.instance]: instance, [LABELS.stack]: recipe.id };

  // hosts may depend on settings (e.g. the PDS on pds.<domain> or on the apex), never on secrets
  const settings = resolveSettings(recipe, choices.settings ?? {});
  const base: TemplateContext = { domain, instance, project, hosts: {}, secrets: {}, settings, services: [] };
  const hosts = mapValues(recipe.hosts ?? {}, (t) => render(t, base).value);
  const ctx: TemplateContext = {
    ...base,
    hosts,
    secrets: resolveSecrets(recipe, choices.secrets),
    services: serviceNames,
  };
  const ports = checkPorts(recipe, choices.ports ?? {});
  const overrides = groupOverrides(choices.overrides ?? [], serviceNames);
  const secretValues = new Set(recipe.secrets.map((s) => ctx.secrets[s.name] as string).filter((v) => v !== ''));

  const volumeName = (key: string): string => choices.volumeNames?.[key] ?? `${project}_${key}`;
  const volumes: PlannedVolume[] = recipe.volumes.map((v) => ({
    name: volumeName(v.name),
    key: v.name,
    backup: v.backup,
    ...(v.ownerUid !== undefined && { ownerUid: v.ownerUid }),
    ...(v.ownerGid !== undefined && { ownerGid: v.ownerGid }),
    labels: { [LABELS.project]: project, [LABELS.volume]: v.name, ...ownLabels },
  }));

  const services = sortByDependencies(recipe).map((spec) => {
    const service = planService(spec, {
      recipe,
      ctx,
      project,
      ports,
      images: choices.images ?? {},
      digests: choices.digests ?? DIGESTS,
      ownLabels,
      volumeName,
    });
    for (const { key, value } of overrides.get(spec.name) ?? []) {
      service.env[key] = value;
      if (service.secretEnv.includes(key) && value !== '') secretValues.add(value);
    }
    return withHash(service);
  });

  const setup: PlannedStep[] = recipe.setup.map((step) => {
    for (const name of [step.service, ...(step.needs ?? [])]) knownService(recipe, name, `setup step "${step.name}"`);
    const env = renderEnv(step.env ?? {}, ctx);
    checkSecretEnvKeys(knownService(recipe, step.service, 'a setup step'), env.secretKeys, `setup step "${step.name}"`);
    return {
      name: step.name,
      description: step.description,
      when: step.when,
      kind: step.kind,
      service: step.service,
      command: step.command.map((c) => renderPublic(c, ctx, `setup step "${step.name}"`, 'command')),
      env: env.values,
      secretEnv: env.secretKeys,
      ...(step.needs !== undefined && { needs: [...step.needs] }),
      phase: step.phase,
      ...(step.admin !== undefined && { admin: step.admin }),
      ...(step.capture !== undefined && { capture: captureOf(recipe, step) }),
    };
  });

  // nothing secret in `docker inspect` but the env variables the recipe lists with a reason
  for (const service of services) checkNoSecretShown(knownService(recipe, service.name, 'a service'), service, setup, [...secretValues]);

  const httpNames = new Set<string>();
  const http: PlannedHttpStep[] = (recipe.http ?? []).map((step) => {
    if (httpNames.has(step.name)) throw recipeBug(`two HTTP steps are called "${step.name}"`);
    if (step.bodyFromResponse !== undefined && !httpNames.has(step.bodyFromResponse.step)) {
      throw recipeBug(`HTTP step "${step.name}" uses the answer of "${step.bodyFromResponse.step}", which does not come before it`);
    }
    httpNames.add(step.name);
    const value = (t: string) => render(t, ctx).value;
    return {
      name: step.name,
      description: step.description,
      when: step.when,
      path: step.path,
      body: Object.fromEntries(Object.entries(step.body).map(([k, v]) => [k, typeof v === 'string' ? value(v) : v])),
      ...(step.basicAuth !== undefined && { basicAuth: { user: value(step.basicAuth.user), password: value(step.basicAuth.password) } }),
      ...(step.bodyFromResponse !== undefined && { bodyFromResponse: { ...step.bodyFromResponse } }),
      ...(step.admin !== undefined && { admin: step.admin }),
    };
  });

  const ingress: PlannedIngress[] = recipe.ingress.map((rule) => {
    knownService(recipe, rule.service, 'an ingress rule');
    return {
      hostname: render(rule.hostname, ctx).value,
      ...(rule.path !== undefined && { path: rule.path }),
      service: rule.service,
      port: rule.port,
    };
  });

  const webService = knownService(recipe, recipe.web.service, 'web');
  if (!(webService.ports ?? []).some((p) => p.name === recipe.web.port)) {
    throw recipeBug(`web.port "${recipe.web.port}" is not a port of the service "${webService.name}"`);
  }
  const admin = recipe.admin.passwordSecret;
  if (admin !== undefined && !recipe.secrets.some((s) => s.name === admin)) {
    throw recipeBug(`admin.passwordSecret "${admin}" is not a declared secret`);
  }

  return {
    project,
    instance,
    stack: recipe.id,
    stackVersion: recipe.version,
    domain,
    hosts,
    network: { name: `${project}_default`, labels: { [LABELS.project]: project, [LABELS.network]: 'default', ...ownLabels } },
    volumes,
    services,
    setup,
    http,
    ingress,
    web: { service: webService.name, port: recipe.web.port, healthPath: recipe.web.healthPath, publicHost: render(recipe.web.publicHost, ctx).value },
    secretValues: [...secretValues],
  };
}

/** The images a plan uses, each once, in service order. */
export function imagesOf(plan: Plan): string[] {
  return [...new Set(plan.services.map((s) => s.image))];
}

interface ServiceContext {
  recipe: Recipe;
  ctx: TemplateContext;
  project: string;
  ports: Record<string, number>;
  images: Record<string, string>;
  digests: Readonly<Record<string, string>>;
  ownLabels: Record<string, string>;
  volumeName: (key: string) => string;
}

function planService(spec: ServiceSpec, { recipe, ctx, project, ports, images, digests, ownLabels, volumeName }: ServiceContext): PlannedService {
  const where = `service "${spec.name}"`;
  const noSecret = (value: string, field: string): string => renderPublic(value, ctx, where, field);
  const env = renderEnv(spec.env ?? {}, ctx);
  checkSecretEnvKeys(spec, env.secretKeys, where);
  const dependsOn = (spec.dependsOn ?? []).map((d) => ({ service: d.service, condition: d.condition }));
  const files: PlannedFile[] = (spec.files ?? []).map((f) => {
    if (!f.path.startsWith('/') || f.path.split('/').includes('..')) {
      throw recipeBug(`${where} has a file with a path that is not absolute: "${f.path}"`);
    }
    const content = render(f.content, ctx);
    return { path: f.path, content: content.value, mode: f.mode ?? 0o644, uid: f.uid ?? 0, gid: f.gid ?? 0, secret: content.secret };
  });
  return {
    name: spec.name,
    containerName: `${project}-${spec.name}-1`,
    image: imageToRun(spec.image, images, digests),
    officialImage: spec.image,
    ...(spec.command !== undefined && { command: spec.command.map((c) => noSecret(c, 'command')) }),
    ...(spec.entrypoint !== undefined && { entrypoint: spec.entrypoint.map((c) => noSecret(c, 'entrypoint')) }),
    env: env.values,
    secretEnv: env.secretKeys,
    ...(spec.user !== undefined && { user: spec.user }),
    ...(spec.workingDir !== undefined && { workingDir: spec.workingDir }),
    mounts: (spec.mounts ?? []).map((m) => {
      if (!recipe.volumes.some((v) => v.name === m.volume)) throw recipeBug(`${where} mounts the undeclared volume "${m.volume}"`);
      return { source: volumeName(m.volume), volume: m.volume, target: m.target, readOnly: m.readOnly ?? false };
    }),
    ports: (spec.ports ?? []).map((p) => ({ container: p.container, name: p.name, hostPort: ports[p.name] ?? 0 })),
    ...(spec.healthcheck !== undefined && {
      healthcheck: { ...spec.healthcheck, test: spec.healthcheck.test.map((t) => noSecret(t, 'health check')) },
    }),
    dependsOn,
    files,
    init: spec.init ?? true,
    stopTimeoutS: spec.stopTimeoutS ?? 10,
    restart: 'unless-stopped',
    capAdd: capAddOf(spec),
    labels: {
      [LABELS.project]: project,
      [LABELS.service]: spec.name,
      [LABELS.oneoff]: 'False',
      [LABELS.containerNumber]: '1',
      [DEPENDS_ON_LABEL]: dependsOn.map((d) => `${d.service}:service_${d.condition}:false`).join(','),
      ...ownLabels,
      [LABELS.role]: 'service',
    },
    configHash: '',
  };
}

/** Sets `configHash` (and its label) from everything that affects the container. */
function withHash(service: PlannedService): PlannedService {
  const { configHash: _ignored, labels, ...rest } = service;
  const { [LABELS.configHash]: _old, ...hashedLabels } = labels;
  const configHash = createHash('sha256')
    .update(canonicalJson({ ...rest, labels: hashedLabels }))
    .digest('hex');
  return { ...service, labels: { ...labels, [LABELS.configHash]: configHash }, configHash };
}

/** Renders a string that ends up in `docker inspect` and compose.yaml, where secrets must not be. */
function renderPublic(template: string, ctx: TemplateContext, where: string, field: string): string {
  const r = render(template, ctx);
  if (r.secret) throw recipeBug(`${where} puts a secret into its ${field}; give it to the image as a file instead`);
  return r.value;
}

function renderEnv(env: Record<string, string>, ctx: TemplateContext): { values: Record<string, string>; secretKeys: string[] } {
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, template] of Object.entries(env)) {
    const r = render(template, ctx);
    values[key] = r.value;
    if (r.secret) secretKeys.push(key);
  }
  return { values, secretKeys };
}

function mapValues(map: Record<string, string>, f: (v: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, f(v)]));
}
