/**
 * What the renderer knows about one long operation (create, start, stop, restart, destroy),
 * folded from its pushed events: steps in the order they began, image downloads with bytes,
 * services' health, and how it ended. Pure functions, so the store and its tests share them.
 */
import type { ApiError, ApiEvents, OpKind, OpResult, Progress } from '../../../electron/shared/contract';

/** One step of an operation and where it stands. */
export interface StepView {
  step: string;
  state: 'start' | 'done' | 'skipped' | 'failed';
  detail?: string;
}

/** One image download. */
export interface PullView {
  image: string;
  current: number;
  total: number;
  layersDone: number;
  layers: number;
  done: boolean;
}

/** An operation as the renderer shows it. */
export interface OpView {
  opId: string;
  op: OpKind;
  instance: string;
  status: 'running' | 'done' | 'failed';
  steps: StepView[];
  pulls: PullView[];
  /** health by service, latest first-seen order */
  health: Record<string, string>;
  error?: ApiError;
  /** only for the client that started a create: may hold the once-shown admin password */
  result?: OpResult;
}

/** Step names that stand for an image (`image:<ref>`). */
const IMAGE_STEP = /^image:(.+)$/;

/** An empty, running operation. */
export function newOp(opId: string, op: OpKind, instance: string): OpView {
  return { opId, op, instance, status: 'running', steps: [], pulls: [], health: {} };
}

/** Folds one progress event into the operation (a new object; the input is not changed). */
export function applyProgress(view: OpView | undefined, event: ApiEvents['op.progress']): OpView {
  const base = view ?? newOp(event.opId, event.op, event.instance);
  const p: Progress = event.progress;
  switch (p.kind) {
    case 'step': {
      const step: StepView = { step: p.step, state: p.state, ...(p.detail !== undefined && { detail: p.detail }) };
      const at = base.steps.findIndex((s) => s.step === p.step);
      const steps = at < 0 ? [...base.steps, step] : base.steps.map((s, i) => (i === at ? step : s));
      const image = IMAGE_STEP.exec(p.step)?.[1];
      const finished = p.state === 'done' || p.state === 'skipped';
      const pulls = image !== undefined && finished ? base.pulls.map((x) => (x.image === image ? { ...x, done: true } : x)) : base.pulls;
      return { ...base, steps, pulls };
    }
    case 'pull': {
      const pull: PullView = { image: p.image, current: p.current, total: p.total, layersDone: p.layersDone, layers: p.layers, done: false };
      const at = base.pulls.findIndex((x) => x.image === p.image);
      return { ...base, pulls: at < 0 ? [...base.pulls, pull] : base.pulls.map((x, i) => (i === at ? pull : x)) };
    }
    case 'health':
      return { ...base, health: { ...base.health, [p.service]: p.health } };
    default:
      return base; // log lines and byte counts of other steps are not shown in the progress view
  }
}

/** Marks the operation finished. */
export function finishOp(view: OpView | undefined, event: ApiEvents['op.done'] | ApiEvents['op.failed']): OpView {
  const base = view ?? newOp(event.opId, event.op, event.instance);
  if ('error' in event) return { ...base, status: 'failed', error: event.error };
  return { ...base, status: 'done', ...(event.result !== undefined && { result: event.result }) };
}

/** The operation still running on `instance`, if any. */
export function runningOpOf(ops: Record<string, OpView>, instance: string): OpView | undefined {
  return Object.values(ops).find((o) => o.instance === instance && o.status === 'running');
}
