/**
 * The renderer's state, created from the API object (`createAppStore(api)`), never from globals:
 * Electron's bridge, the browser-mode WebSocket or a fake in tests all fit. Everything that changes
 * on the server side arrives as pushed events (instance states, operation progress, log lines,
 * settings); the store only calls the API on the user's request or in answer to an event (an
 * instance's state changed: read its services once). There is no polling loop here.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  ApiError,
  AppInfo,
  AppSettings,
  CreateInstanceInput,
  InstanceStatus,
  InstanceSummary,
  LogLine,
  StackInfo,
  SystemReport,
} from '../../../electron/shared/contract';
import type { EngawaApi } from '../api/client';
import { toApiError } from '../lib/errors';
import { fireAndReport } from '../lib/report';
import { loading, type Loadable } from './loadable';
import { applyProgress, finishOp, type OpView } from './ops';

/** Lines kept in the log view; older ones scroll away. */
export const MAX_LOG_LINES = 2000;
/** Log lines arriving together are shown together, at most this often. */
export const LOG_FLUSH_MS = 100;

/** The screen the user sees ('restore': a server from a backup file). */
export type View =
  | { screen: 'wizard' }
  /** `tab`/`ask`: opened on a tab, asking for something (the tray's Back up now without a kept passphrase; its security update: the overview) */
  | { screen: 'dashboard'; instance: string; tab?: 'backups' | 'overview'; ask?: 'passphrase' }
  | { screen: 'settings' }
  | { screen: 'restore' };

/** The live log view of one instance. */
export interface LogsView {
  instance: string;
  /** one service, or null for all */
  service: string | null;
  subscriptionId: string | null;
  lines: LogLine[];
  status: 'loading' | 'live' | 'ended' | 'error';
  error?: ApiError;
}

export interface AppState {
  boot: Loadable<true>;
  /** false while the browser-mode connection is lost (Electron: always true) */
  connected: boolean;
  info: AppInfo | null;
  settings: AppSettings | null;
  stacks: Loadable<StackInfo[]>;
  system: Loadable<SystemReport> | null;
  instances: InstanceSummary[];
  statuses: Record<string, Loadable<InstanceStatus>>;
  ops: Record<string, OpView>;
  logs: LogsView | null;
  view: View;
}

export interface AppActions {
  /** loads what the first screen needs and starts listening; rejects never (see `boot`) */
  init(): Promise<void>;
  refreshInstances(): Promise<void>;
  /** (re)reads an instance's services */
  loadStatus(name: string): Promise<void>;
  checkSystem(): Promise<SystemReport | null>;
  loadStacks(): Promise<void>;
  /** starts a create; resolves to its operation id, rejects with the API's error (e.g. INVALID_INPUT) */
  create(input: CreateInstanceInput): Promise<string>;
  /** start/stop/restart/destroy; resolves to the operation id */
  runOp(op: 'start' | 'stop' | 'restart' | 'destroy', name: string): Promise<string>;
  /** changes settings; the answer (and the `settings.changed` event) updates the store */
  updateSettings(patch: Partial<AppSettings>): Promise<void>;
  /** follows an instance's logs (one service or all), replacing any earlier log view */
  openLogs(instance: string, service: string | null): Promise<void>;
  closeLogs(): Promise<void>;
  show(view: View): void;
  /** stops listening (tests, hot reload) */
  dispose(): void;
}

export type AppStore = AppState & AppActions;

/** Creates the store over `api`; call `init()` once to load and listen. */
export function createAppStore(api: EngawaApi, opts: { schedule?: (fn: () => void, ms: number) => void } = {}): StoreApi<AppStore> {
  const schedule = opts.schedule ?? ((fn, ms) => void setTimeout(fn, ms));
  const removers: (() => void)[] = [];
  let pendingLines: LogLine[] = [];
  let flushScheduled = false;

  return createStore<AppStore>((set, get) => {
    const setStatus = (name: string, value: Loadable<InstanceStatus>): void => set((s) => ({ statuses: { ...s.statuses, [name]: value } }));

    const flushLines = (): void => {
      flushScheduled = false;
      const logs = get().logs;
      const lines = pendingLines;
      pendingLines = [];
      if (logs === null || lines.length === 0) return;
      const all = logs.lines.concat(lines);
      set({ logs: { ...logs, lines: all.length > MAX_LOG_LINES ? all.slice(all.length - MAX_LOG_LINES) : all } });
    };

    const subscribeLogs = async (instance: string, service: string | null): Promise<void> => {
      const previous = get().logs?.subscriptionId;
      if (previous) void api.call('instances.logs.unsubscribe', { subscriptionId: previous }).catch(() => undefined); // ended already
      pendingLines = [];
      set({ logs: { instance, service, subscriptionId: null, lines: [], status: 'loading' } });
      try {
        const { subscriptionId } = await api.call('instances.logs.subscribe', { name: instance, ...(service !== null && { service }) });
        const logs = get().logs;
        if (logs === null || logs.instance !== instance || logs.service !== service) {
          void api.call('instances.logs.unsubscribe', { subscriptionId }).catch(() => undefined); // replaced meanwhile
          return;
        }
        set({ logs: { ...logs, subscriptionId, status: 'live' } });
      } catch (e) {
        const logs = get().logs;
        if (logs?.instance === instance && logs.service === service) set({ logs: { ...logs, status: 'error', error: toApiError(e) } });
      }
    };

    const listen = (): void => {
      removers.push(
        api.on('instance.state', ({ name, state }) => {
          const known = get().instances.some((i) => i.name === name);
          set((s) => {
            const current = s.statuses[name];
            return {
              instances: s.instances.map((i) => (i.name === name ? { ...i, state } : i)),
              statuses: current?.status === 'ready' ? { ...s.statuses, [name]: { status: 'ready', value: { ...current.value, state } } } : s.statuses,
            };
          });
          if (!known) fireAndReport(get().refreshInstances(), 'reading the servers');
          else if (get().statuses[name] !== undefined) fireAndReport(get().loadStatus(name), 'reading the services'); // its services changed too
        }),
        api.on('op.progress', (e) => set((s) => ({ ops: { ...s.ops, [e.opId]: applyProgress(s.ops[e.opId], e) } }))),
        api.on('op.done', (e) => {
          set((s) => ({ ops: { ...s.ops, [e.opId]: finishOp(s.ops[e.opId], e) } }));
          // these add or remove servers (a restore from a file may make one); an update or a rollback clears the last error
          if (e.op === 'create' || e.op === 'destroy' || e.op === 'restore' || e.op === 'update' || e.op === 'rollback')
            fireAndReport(get().refreshInstances(), 'reading the servers');
          if (e.op !== 'destroy' && get().statuses[e.instance] !== undefined) fireAndReport(get().loadStatus(e.instance), 'reading the services');
        }),
        api.on('op.failed', (e) => {
          set((s) => ({ ops: { ...s.ops, [e.opId]: finishOp(s.ops[e.opId], e) } }));
          fireAndReport(get().refreshInstances(), 'reading the servers');
        }),
        api.on('logs.line', ({ subscriptionId, line }) => {
          if (get().logs?.subscriptionId !== subscriptionId) return;
          pendingLines.push(line);
          if (!flushScheduled) {
            flushScheduled = true;
            schedule(flushLines, LOG_FLUSH_MS);
          }
        }),
        api.on('logs.end', ({ subscriptionId, error }) => {
          const logs = get().logs;
          if (logs?.subscriptionId !== subscriptionId) return;
          flushLines();
          set({ logs: { ...logs, status: error ? 'error' : 'ended', ...(error && { error }) } });
        }),
        api.on('settings.changed', (settings) => set({ settings })),
        api.on('app.show', (e) => set({ view: { screen: 'dashboard', instance: e.instance, tab: e.tab, ...('ask' in e && { ask: e.ask }) } })),
        api.onConnection((connected) => {
          set({ connected });
          if (!connected) return;
          // back after a drop: what was pushed meanwhile is lost, so read it again
          fireAndReport(get().refreshInstances(), 'reading the servers');
          void api.call('settings.get').then(
            (settings) => set({ settings }),
            () => undefined,
          );
          const view = get().view;
          if (view.screen === 'dashboard') fireAndReport(get().loadStatus(view.instance), 'reading the services');
          const logs = get().logs;
          if (logs !== null) fireAndReport(subscribeLogs(logs.instance, logs.service), 'following the logs');
        }),
      );
    };

    return {
      boot: loading,
      connected: true,
      info: null,
      settings: null,
      stacks: loading,
      system: null,
      instances: [],
      statuses: {},
      ops: {},
      logs: null,
      view: { screen: 'wizard' },

      async init() {
        listen();
        try {
          const [info, settings, instances, running] = await Promise.all([
            api.call('app.info'),
            api.call('settings.get'),
            api.call('instances.list'),
            api.call('ops.list'),
          ]);
          const first = instances[0];
          set((s) => ({
            info,
            settings,
            instances,
            // a reloaded page picks up operations that are still running
            ops: Object.fromEntries([
              ...Object.entries(s.ops),
              ...running
                .filter((o) => !(o.opId in s.ops))
                .map((o) => [o.opId, { opId: o.opId, op: o.op, instance: o.instance, status: 'running' as const, steps: [], pulls: [], health: {} }]),
            ]),
            view: first === undefined ? { screen: 'wizard' } : { screen: 'dashboard', instance: first.name },
            boot: { status: 'ready', value: true },
          }));
        } catch (e) {
          set({ boot: { status: 'error', error: toApiError(e) } });
        }
      },

      async refreshInstances() {
        try {
          const instances = await api.call('instances.list');
          set((s) => {
            const view = s.view;
            const gone = view.screen === 'dashboard' && !instances.some((i) => i.name === view.instance);
            const first = instances[0];
            return {
              instances,
              ...(gone && { view: first === undefined ? { screen: 'wizard' } : { screen: 'dashboard', instance: first.name } }),
            };
          });
        } catch {
          // the list stays as it was; the connection banner or the next event tells the rest
        }
      },

      async loadStatus(name) {
        if (get().statuses[name] === undefined) setStatus(name, loading);
        try {
          setStatus(name, { status: 'ready', value: await api.call('instances.status', { name }) });
        } catch (e) {
          setStatus(name, { status: 'error', error: toApiError(e) });
        }
      },

      async checkSystem() {
        if (get().system?.status !== 'ready') set({ system: loading });
        try {
          const report = await api.call('system.check');
          set({ system: { status: 'ready', value: report } });
          return report;
        } catch (e) {
          set({ system: { status: 'error', error: toApiError(e) } });
          return null;
        }
      },

      async loadStacks() {
        set({ stacks: loading });
        try {
          set({ stacks: { status: 'ready', value: await api.call('stacks.list') } });
        } catch (e) {
          set({ stacks: { status: 'error', error: toApiError(e) } });
        }
      },

      async create(input) {
        const { opId } = await api.call('instances.create', input);
        set((s) => ({
          ops: s.ops[opId] ? s.ops : { ...s.ops, [opId]: { opId, op: 'create', instance: input.name, status: 'running', steps: [], pulls: [], health: {} } },
        }));
        return opId;
      },

      async runOp(op, name) {
        const { opId } = await api.call(`instances.${op}`, { name });
        set((s) => ({ ops: s.ops[opId] ? s.ops : { ...s.ops, [opId]: { opId, op, instance: name, status: 'running', steps: [], pulls: [], health: {} } } }));
        return opId;
      },

      async updateSettings(patch) {
        set({ settings: await api.call('settings.set', patch) });
      },

      openLogs: (instance, service) => subscribeLogs(instance, service),

      async closeLogs() {
        const id = get().logs?.subscriptionId;
        pendingLines = [];
        set({ logs: null });
        if (id) await api.call('instances.logs.unsubscribe', { subscriptionId: id }).catch(() => undefined); // ended already
      },

      show(view) {
        set({ view });
      },

      dispose() {
        for (const remove of removers.splice(0)) remove();
      },
    };
  });
}
