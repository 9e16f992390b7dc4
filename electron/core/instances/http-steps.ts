/**
 * The HTTP setup calls of a plan (recipe.http: Misskey's first admin, the PDS owner account),
 * made from this computer to the instance's web service on 127.0.0.1 once it is healthy, with the
 * public host name as Host (the servers answer only for their own name). Node's fetch cannot set
 * Host, so this uses node:http. Every value printed is redacted.
 */
import http from 'node:http';
import { EngawaError } from '../util/errors';
import type { PlannedHttpStep } from '../plan/types';
import { noProgress, type ProgressSink } from '../util/progress';
import { redact } from '../plan/redact';

export interface HttpTarget {
  /** the host port of the web service on 127.0.0.1 */
  port: number;
  /** the public host name, sent as Host */
  host: string;
}

export interface HttpStepOptions {
  skipAdmin?: boolean;
  /** steps already done by an earlier attempt */
  skip?: ReadonlySet<string>;
  onProgress?: ProgressSink;
  /** answers of steps done by an earlier attempt that later steps still need (see `neededAnswers`) */
  answers?: ReadonlyMap<string, Record<string, unknown>>;
  /** called after each step that succeeded, with its answer */
  onDone?: (step: PlannedHttpStep, answer: Record<string, unknown>) => void | Promise<void>;
  secretValues: string[];
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Makes the steps in order; a step answered with anything but 2xx stops with TASK_FAILED. */
export async function runHttpSteps(steps: PlannedHttpStep[], target: HttpTarget, opts: HttpStepOptions): Promise<void> {
  const onProgress = opts.onProgress ?? noProgress;
  const answers = new Map(opts.answers ?? []);
  for (const step of steps) {
    if ((opts.skipAdmin && step.admin) || opts.skip?.has(step.name)) {
      onProgress({ kind: 'step', step: `setup:${step.name}`, state: 'skipped' });
      continue;
    }
    onProgress({ kind: 'step', step: `setup:${step.name}`, state: 'start' });
    const body: Record<string, unknown> = { ...step.body };
    if (step.bodyFromResponse) {
      const { step: from, field, as } = step.bodyFromResponse;
      const value = answers.get(from)?.[field];
      if (typeof value !== 'string') {
        onProgress({ kind: 'step', step: `setup:${step.name}`, state: 'failed' });
        throw new EngawaError('TASK_FAILED', `The setup step "${step.name}" needs "${field}" from "${from}", which did not provide it.`, { step: step.name });
      }
      body[as] = value;
    }
    let answer: Record<string, unknown>;
    try {
      answer = await post(target, step, body, opts);
    } catch (e) {
      onProgress({ kind: 'step', step: `setup:${step.name}`, state: 'failed' });
      throw e;
    }
    answers.set(step.name, answer);
    await opts.onDone?.(step, answer);
    onProgress({ kind: 'step', step: `setup:${step.name}`, state: 'done' });
  }
}

/**
 * The fields of `step`'s answer that later steps use: what must be kept when `step` is done but a
 * later one is not (a resumed create skips `step`, yet its follower needs the answer).
 */
export function neededAnswers(steps: PlannedHttpStep[], step: PlannedHttpStep, answer: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of steps) {
    const from = s.bodyFromResponse;
    if (from?.step === step.name && typeof answer[from.field] === 'string') out[from.field] = answer[from.field] as string;
  }
  return out;
}

function post(target: HttpTarget, step: PlannedHttpStep, body: Record<string, unknown>, opts: HttpStepOptions): Promise<Record<string, unknown>> {
  const payload = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string | number> = {
    host: target.host,
    'content-type': 'application/json',
    'content-length': payload.length,
    accept: 'application/json',
  };
  if (step.basicAuth) {
    headers.authorization = `Basic ${Buffer.from(`${step.basicAuth.user}:${step.basicAuth.password}`).toString('base64')}`;
  }
  const fail = (message: string, details: Record<string, unknown> = {}) =>
    new EngawaError('TASK_FAILED', redact(message, opts.secretValues), { step: step.name, ...details });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: target.port, path: step.path, method: 'POST', headers, timeout: opts.timeoutMs ?? 60_000, signal: opts.signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(fail(`The setup step "${step.name}" lost its answer: ${e.message}`)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(fail(`The setup step "${step.name}" was refused by the server (HTTP ${status}): ${text.slice(0, 300)}`, { status }));
            return;
          }
          if (text.trim() === '') return resolve({});
          try {
            const json: unknown = JSON.parse(text);
            resolve(json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {});
          } catch {
            resolve({});
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', (e) => reject(fail(`The setup step "${step.name}" could not reach the server: ${e.message}`)));
    req.end(payload);
  });
}
