/**
 * One zod schema per API method's input, checked at the boundary by the dispatcher. Type-level
 * assertions at the end make the build fail when a schema and the contract's input type differ,
 * or when a core type no longer fits the contract type it is sent as.
 */
import { z } from 'zod';
import type {
  ApiErrorCode,
  ApiInput,
  ApiMethod,
  CheckResultInfo,
  WatchActionInfo,
  LogLine as ContractLogLine,
  Progress as ContractProgress,
  RollbackPreviewInfo,
  SystemReport,
  UpdateStepInfo,
} from '../../shared/contract';
import type { RollbackPreview, UpdateStep } from '../update';
import type { CheckResult } from '../check/index';
import { DISK_RANGE_TEXT, diskSettingsProblem, type WatchAction } from '../watch/index';
import type { DoctorReport } from './system-check';
import type { ErrorCode } from '../util/errors';
import type { LogLine } from '../engine/types';
import type { Progress } from '../util/progress';
import { MIN_PASSPHRASE } from '../backup/passphrase';
import { cleanDaysProblem, MAX_CLEAN_DAYS, MIN_CLEAN_DAYS } from '../stacks/maintenance';

/** Methods without input accept nothing (undefined, or null from JSON). */
const none = z.union([z.undefined(), z.null()]).transform(() => undefined);

const name = z.string().min(1).max(63);
const id = z.string().min(1).max(100);
const instanceRef = z.strictObject({ name });

/** Each settings field on its own (the settings store also uses them to read a stored file). */
export const SETTINGS_FIELDS = {
  language: z.enum(['en', 'ja']).nullable().optional(),
  launchAtLogin: z.boolean().optional(),
  notifications: z.boolean().optional(),
  allowPlainTextSecrets: z.boolean().optional(),
  disk: z
    .strictObject({ warnGB: z.number(), warnPercent: z.number(), criticalGB: z.number() })
    .superRefine((v, ctx) => {
      const problem = diskSettingsProblem(v);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: `${problem} (allowed: ${DISK_RANGE_TEXT})` });
    })
    .optional(),
};

/** A Cloudflare token as pasted (API token or tunnel token); never echoed in an error. */
const cfToken = z.string().trim().min(1).max(4096);
const hostname = z.string().trim().min(1).max(253);

/** The tunnel choice of `instances.create` (contract: TunnelChoiceInput). */
const tunnelChoice = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('none') }),
  z.strictObject({ mode: z.literal('api'), apiToken: cfToken, zone: hostname, hostname: hostname.optional() }),
  z.strictObject({ mode: z.literal('token'), tunnelToken: cfToken, hostname }),
  z.strictObject({ mode: z.literal('login'), hostname: hostname.optional() }),
]);

/** A backup passphrase (never echoed in an error) and a backup file's path. */
const backupPassphrase = z.string().min(1).max(1024);
const filePath = z.string().min(1).max(4096);
/** A network's release, as its recipe names it ('1.2.3', 'v4.3.2'). */
const release = z.string().min(1).max(64);

/** The input schema of every method. */
/** a local time of day, HH:MM (schedules) */
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time HH:MM');

export const INPUT_SCHEMAS = {
  'app.info': none,
  'system.check': none,
  'system.startDocker': none,
  'system.clock': none,
  'system.fixClock': none,
  'system.dockerAutostart': none,
  'system.setDockerAutostart': z.strictObject({ enabled: z.boolean() }),
  'system.networkChanged': none,
  'system.disk': none,
  'stacks.list': none,
  'instances.list': none,
  'instances.get': instanceRef,
  'instances.status': instanceRef,
  'instances.create': z.strictObject({
    stack: z.string().min(1).max(64),
    name,
    domain: z.string().min(1).max(253),
    settings: z.record(z.string().max(100), z.string().max(4096)).optional(),
    admin: z
      .strictObject({
        user: z.string().min(1).max(64),
        email: z.string().min(3).max(254),
        password: z.string().min(8).max(1024).optional(),
      })
      .nullable()
      .optional(),
    allowLowMemory: z.boolean().optional(),
    tunnel: tunnelChoice.optional(),
    version: release.optional(),
  }),
  'instances.start': instanceRef,
  'instances.stop': instanceRef,
  'instances.restart': instanceRef,
  'instances.destroy': instanceRef,
  'instances.logs.subscribe': z.strictObject({
    name,
    service: z.string().min(1).max(63).optional(),
    tail: z.number().int().min(0).max(10_000).optional(),
  }),
  'instances.logs.unsubscribe': z.strictObject({ subscriptionId: id }),
  'instances.stats': instanceRef,
  'instances.disk': instanceRef,
  'instances.clean': instanceRef,
  'instances.maintenance': instanceRef,
  'instances.maintenance.set': z.strictObject({
    name,
    days: z.number().refine((d) => cleanDaysProblem(d) === null, { message: `the days must be a whole number from ${MIN_CLEAN_DAYS} to ${MAX_CLEAN_DAYS}` }),
  }),
  'instances.history': instanceRef,
  'instances.exportCompose': z.strictObject({ name, dir: z.string().min(1).max(4096) }),
  'settings.get': none,
  'settings.set': z.strictObject(SETTINGS_FIELDS),
  'ops.list': none,
  'ops.cancel': z.strictObject({ opId: id }),
  // Cloudflare Tunnel
  'tunnel.tokenPage': none,
  'tunnel.verifyToken': z.strictObject({ apiToken: cfToken }),
  'tunnel.preview': z.strictObject({
    stack: z.string().min(1).max(64),
    domain: z.string().min(1).max(253),
    settings: z.record(z.string().max(100), z.string().max(4096)).optional(),
  }),
  'tunnel.status': instanceRef,
  // Backups
  'backups.list': instanceRef,
  'backups.passphraseStrength': z.strictObject({ passphrase: z.string().max(1024) }),
  'backups.create': z.strictObject({ name, passphrase: backupPassphrase.min(MIN_PASSPHRASE).optional(), includeCache: z.boolean().optional() }),
  'backups.verify': z.strictObject({ file: filePath, drill: z.boolean().optional(), passphrase: backupPassphrase.optional() }),
  'backups.restore': z.strictObject({
    file: filePath,
    name: name.optional(),
    passphrase: backupPassphrase.optional(),
    keepPassphrase: z.boolean().optional(),
    apiToken: cfToken.optional(),
    tunnelToken: cfToken.optional(),
  }),
  'backups.inspect': z.strictObject({ file: filePath, passphrase: backupPassphrase }),
  'backups.chooseFile': none,
  'backups.confirmRestore': instanceRef,
  'backups.schedule.get': instanceRef,
  'backups.schedule.set': z.strictObject({
    name,
    schedule: z
      .strictObject({
        every: z.enum(['daily', 'weekly']),
        at: localTime,
        weekday: z.number().int().min(0).max(6).optional(),
        keep: z.number().int().min(1).max(1000),
        folder: z.string().min(1).max(4096),
        drill: z.boolean(),
      })
      .nullable(),
  }),
  // Server updates
  'updates.list': none,
  'updates.run': z.strictObject({ name, to: release.optional(), passphrase: backupPassphrase.min(MIN_PASSPHRASE).optional() }),
  'updates.rollbackPreview': instanceRef,
  'updates.rollback': z.strictObject({ name, passphrase: backupPassphrase.optional() }),
  'updates.confirm': instanceRef,
  'checks.run': instanceRef,
  'checks.last': instanceRef,
  'checks.requestCrawl': instanceRef,
  'updates.policy.get': instanceRef,
  'updates.policy.set': z.strictObject({
    name,
    mode: z.enum(['notify', 'auto-security']),
    at: localTime.optional(),
    passphrase: backupPassphrase.min(MIN_PASSPHRASE).optional(),
  }),
} satisfies Record<ApiMethod, z.ZodType>;

// ---------------------------------------------------------------------------------------------
// Compile-time checks: schemas match the contract; core types fit what the contract promises.
// (Instance states and statuses, stats and the Docker start result are the contract's own types.)

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type SchemaMatches = { [M in ApiMethod]: Same<z.output<(typeof INPUT_SCHEMAS)[M]>, ApiInput<M>> };

export type _SchemasMatchContract = Assert<SchemaMatches[ApiMethod]>;
export type _ErrorCodesFit = Assert<Same<Exclude<ErrorCode, ApiErrorCode>, never>>;
export type _ProgressFits = Assert<Progress extends ContractProgress ? true : false>;
export type _LogLineFits = Assert<LogLine extends ContractLogLine ? true : false>;
export type _DoctorFits = Assert<DoctorReport extends SystemReport ? true : false>;
export type _UpdateStepFits = Assert<UpdateStep extends UpdateStepInfo ? true : false>;
export type _WatchActionFits = Assert<WatchAction extends WatchActionInfo ? true : false>;
export type _CheckResultFits = Assert<CheckResult extends CheckResultInfo ? true : false>;
export type _RollbackPreviewFits = Assert<RollbackPreview extends RollbackPreviewInfo ? true : false>;
