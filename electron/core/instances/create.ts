/**
 * Creating an instance, and resuming one whose creation did not finish.
 *
 * Everything in the input is checked before anything is written: name, domain, admin, settings and
 * overrides (a dry run of the plan), the tunnel (with Cloudflare, changing nothing), the machine
 * (CPU, memory) and the images (a missing one that cannot be pulled fails here).
 *
 * Crash safety: `create` stores the secrets, then the record with `pending: 'create'`, then applies
 * the plan. If it fails or is killed, the record stays (state 'error' or 'creating') and running
 * `create` again with the same name, stack and domain resumes it, as first recorded (same ports,
 * settings, admin and secrets), instead of answering NAME_TAKEN; `destroy` removes it instead.
 * One-off steps that succeeded are listed in `setupDone` and not run twice; an answer of an HTTP step
 * that a later step needs is kept in the SecretStore (it may be a credential) until create finishes.
 */
import { EngawaError } from '../util/errors';
import type { EngineApi } from '../engine/types';
import { imagesOf, plan as makePlan } from '../stacks/plan';
import { generateSecrets } from '../stacks/secrets';
import type { Recipe } from '../stacks/types';
import { validateDomain, validateInstanceName } from '../stacks/validate';
import { prepareTunnel, provisionTunnel } from '../tunnel/instance-tunnel';
import { withOpts, type InstanceContext } from './context';
import { neededAnswers, runHttpSteps } from './http-steps';
import { assertCreatable, resolveAdmin, withAdminSettings } from './input';
import { runOperation } from './operation';
import type { CreateInput, InstanceRecord, OpOptions } from './types';

/** Creates (or resumes) the instance and waits until it is healthy; `adminPassword` when Engawa made the password up. */
export async function createInstance(ctx: InstanceContext, input: CreateInput, opts: OpOptions): Promise<{ instance: InstanceRecord; adminPassword?: string }> {
  const { deps } = ctx;
  const recipe = ctx.recipeForInput(input.stack, input.version);
  const name = validateInstanceName(input.name);
  const domain = validateDomain(input.domain);
  const { admin, password } = resolveAdmin(recipe, domain, input.admin);
  const settings = withAdminSettings(recipe, { ...input.settings }, admin);
  const overrides = (input.overrides ?? []).map((o) => ({ service: o.service, key: o.key, value: o.value }));
  const passwordSecret = recipe.admin.passwordSecret;
  if (password !== undefined && recipe.setup.some((st) => st.capture !== undefined && st.capture.secret === passwordSecret)) {
    throw new EngawaError('INVALID_INPUT', `${recipe.name} makes up the admin's password itself; leave out the password and Engawa shows it once.`, {
      stack: recipe.id,
    });
  }
  const supplied = passwordSecret !== undefined && password !== undefined ? { [passwordSecret]: password } : {};
  const fresh = generateSecrets(recipe, {}, supplied);
  // a dry run of the plan checks the settings and overrides, still before anything is written
  const dryPlan = makePlan(recipe, { instance: name, domain, secrets: fresh, settings, overrides, images: deps.images ?? {} });
  const existing = await ctx.store.read(name);
  assertCreatable(existing, name, recipe.id, domain);
  // the tunnel is checked (with Cloudflare, changing nothing) only for a new instance; a resumed one keeps its own
  const tunnel = existing === undefined ? await prepareTunnel(input.tunnel, dryPlan, ctx.tunnelContext(opts)) : null;

  return runOperation(ctx, name, 'create', async (tx) => {
    const engine = await ctx.engine();
    let record = await tx.read();
    assertCreatable(record, name, recipe.id, domain);
    let secrets: Record<string, string>;
    if (record === undefined) {
      await assertMachineFits(engine, recipe, input.allowLowMemory === true);
      // Images first: one that is missing and cannot be pulled fails here, with nothing written.
      await engine.ensureImages(imagesOf(dryPlan), withOpts(opts));
      secrets = { ...fresh, ...tunnel?.secrets };
      await deps.secrets.set(name, secrets);
      record = {
        version: 1,
        name,
        stack: recipe.id,
        stackVersion: recipe.version,
        domain,
        createdAt: new Date().toISOString(),
        settings,
        overrides,
        ports: await tx.freePorts(recipe.services.flatMap((svc) => (svc.ports ?? []).map((p) => p.name))),
        admin,
        tunnel: tunnel?.tunnel ?? null,
        state: 'creating',
        pending: 'create',
        ...(Object.keys(deps.images ?? {}).length > 0 && { images: { ...deps.images } }),
      };
      await tx.write(record);
      tx.publish(record.state);
    } else {
      ctx.log(`resuming the creation of "${name}"`);
      const stored = await deps.secrets.get(name);
      secrets = generateSecrets(recipe, stored); // fills in only what is missing
      if (Object.keys(secrets).length !== Object.keys(stored).length) await deps.secrets.set(name, secrets);
    }
    try {
      await tx.assertPortsFree(record);
      record = await tx.transition(record, 'begin', 'create');
      if (record.tunnel !== null) {
        const basePlan = makePlan(recipe, {
          instance: name,
          domain,
          secrets,
          settings: record.settings,
          overrides: record.overrides,
          images: ctx.imagesFor(record),
        });
        secrets = await provisionTunnel(
          record.tunnel,
          basePlan,
          secrets,
          async (t) => {
            record = { ...(record as InstanceRecord), tunnel: t };
            await tx.write(record);
          },
          ctx.tunnelContext(opts, record),
        );
        await deps.secrets.set(name, secrets);
      }
      const plan = await ctx.planFor(name); // apply() pulls what a resumed create still lacks
      const done = new Set(record.setupDone ?? []);
      const markDone = async (step: string) => {
        done.add(step);
        record = { ...(record as InstanceRecord), setupDone: [...done] };
        await tx.write(record);
      };
      await engine.apply(plan, {
        ...withOpts(opts),
        when: 'create',
        skipAdmin: record.admin === null,
        skipSteps: [...done],
        onStepOutput: async (step, result) => {
          if (step.capture) {
            secrets = { ...secrets, [step.capture.secret]: capture(step.name, step.capture.pattern, result.stdout) };
            await deps.secrets.set(name, secrets);
          }
          if (step.capture || step.admin) await markDone(step.name);
        },
      });
      const httpSteps = plan.http.filter((h) => h.when === 'create');
      await runHttpSteps(
        httpSteps,
        { port: record.ports[plan.web.port] as number, host: plan.web.publicHost },
        {
          skipAdmin: record.admin === null,
          skip: done,
          answers: keptAnswers(secrets),
          secretValues: plan.secretValues,
          onDone: async (step, answer) => {
            // an answer a later step needs is kept (it may be a credential) until create finishes
            const needed = neededAnswers(httpSteps, step, answer);
            if (Object.keys(needed).length > 0) {
              secrets = { ...secrets, [`${ANSWER_PREFIX}${step.name}`]: JSON.stringify(needed) };
              await deps.secrets.set(name, secrets);
            }
            await markDone(step.name);
          },
          ...withOpts(opts),
        },
      );
      if (Object.keys(secrets).some((k) => k.startsWith(ANSWER_PREFIX))) {
        secrets = Object.fromEntries(Object.entries(secrets).filter(([k]) => !k.startsWith(ANSWER_PREFIX)));
        await deps.secrets.set(name, secrets);
      }
      const { setupDone: _done, ...finished } = record;
      record = await tx.transition(finished, 'end');
    } catch (e) {
      await tx.failed(record, e);
      throw e;
    }
    const secretName = record.admin ? recipe.admin.passwordSecret : undefined;
    const generated = secretName !== undefined && password === undefined ? secrets[secretName] : undefined;
    return generated === undefined ? { instance: record } : { instance: record, adminPassword: generated };
  });
}

/**
 * Refuses to create a stack this machine cannot run: a CPU the images cannot run on (Misskey needs
 * SSE4.2 on x86-64; the container would die with "illegal instruction"), or less memory than the
 * stack needs (it would start, then crash or crawl) unless the user explicitly accepts that.
 */
async function assertMachineFits(engine: EngineApi, recipe: Recipe, allowLowMemory: boolean): Promise<void> {
  const info = await engine.info();
  for (const req of recipe.requires ?? []) {
    if (req.check === 'x86-64-sse4.2' && info.sse42 === false) {
      throw new EngawaError('UNSUPPORTED', req.note.en, { stack: recipe.id, requirement: req.check });
    }
  }
  const need = recipe.memoryMiB * 1024 * 1024;
  if (info.memoryBytes >= need || allowLowMemory) return;
  const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GB`;
  throw new EngawaError(
    'LOW_MEMORY',
    `Docker has ${gib(info.memoryBytes)} of memory but ${recipe.name} needs about ${gib(need)}; give Docker more memory (Docker Desktop: Settings → Resources), or create it anyway with --allow-low-memory.`,
    { haveBytes: info.memoryBytes, needBytes: need, stack: recipe.id },
  );
}

/** Secret-store keys under which answers of HTTP steps are kept while a create is unfinished. */
const ANSWER_PREFIX = 'setup-answer:';

/** The kept answers of HTTP steps, by step name. */
function keptAnswers(secrets: Record<string, string>): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const [k, v] of Object.entries(secrets)) {
    if (k.startsWith(ANSWER_PREFIX)) out.set(k.slice(ANSWER_PREFIX.length), JSON.parse(v) as Record<string, unknown>);
  }
  return out;
}

/** The first group of `pattern` in a setup step's output (the value it was run to produce). */
function capture(step: string, pattern: string, stdout: string): string {
  const value = new RegExp(pattern, 'm').exec(stdout)?.[1];
  if (!value) throw new EngawaError('TASK_FAILED', `The setup step "${step}" did not print what Engawa needed to keep.`, { step });
  return value;
}
