/**
 * Checks of `create`'s input made before anything is written: the admin account, and whether the
 * name is free. (Settings, overrides, name and domain are checked by stacks/validate and a dry run
 * of `plan`.)
 */
import { EngawaError } from '../util/errors';
import type { Recipe } from '../stacks/types';
import type { CreateInput, InstanceRecord } from './types';

/**
 * Recipe settings that receive the admin account's user name and e-mail when the recipe declares
 * them, so setup steps can use `{{setting.admin_user}}` and `{{setting.admin_email}}`.
 */
export const ADMIN_USER_SETTING = 'admin_user';
export const ADMIN_EMAIL_SETTING = 'admin_email';

const ADMIN_USER = /^[A-Za-z0-9_]{1,30}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MIN_PASSWORD = 8;

function invalid(message: string, details?: Record<string, unknown>): EngawaError {
  return new EngawaError('INVALID_INPUT', message, details);
}

/** The admin account to create (null: none) and the password the user supplied, if any. */
export function resolveAdmin(
  recipe: Recipe,
  domain: string,
  admin: CreateInput['admin'],
): { admin: { user: string; email: string } | null; password?: string } {
  if (admin === null || recipe.admin.kind === 'none') return { admin: null };
  const user = admin?.user ?? recipe.admin.defaultUser ?? 'admin';
  const email = admin?.email ?? `${user}@${domain}`;
  if (!ADMIN_USER.test(user)) {
    throw invalid(`The admin user name "${user}" is not allowed: use 1 to 30 letters, digits or _.`, { user });
  }
  if (!EMAIL.test(email)) throw invalid(`"${email}" is not an e-mail address.`, { email });
  const password = admin?.password;
  if (password === undefined) return { admin: { user, email } };
  if (recipe.admin.passwordSecret === undefined) {
    throw invalid(`${recipe.name} does not take an admin password; leave it out.`);
  }
  if (password.length < MIN_PASSWORD || /[\u0000-\u001f\u007f]/.test(password)) {
    throw invalid(`The admin password must be at least ${MIN_PASSWORD} characters long, without line breaks.`);
  }
  return { admin: { user, email }, password };
}

/** The settings plus the admin's user and e-mail, for the recipes that declare those settings. */
export function withAdminSettings(recipe: Recipe, settings: Record<string, string>, admin: { user: string; email: string } | null): Record<string, string> {
  const out = { ...settings };
  const declared = new Set((recipe.settings ?? []).map((s) => s.name));
  if (admin && declared.has(ADMIN_USER_SETTING)) out[ADMIN_USER_SETTING] = admin.user;
  if (admin && declared.has(ADMIN_EMAIL_SETTING)) out[ADMIN_EMAIL_SETTING] = admin.email;
  return out;
}

/** NAME_TAKEN unless there is no record, or an unfinished create of the same stack and domain (resumed). */
export function assertCreatable(record: InstanceRecord | undefined, name: string, stack: string, domain: string): void {
  if (record === undefined) return;
  if (record.pending === 'create' && record.stack === stack && record.domain === domain) return;
  const hint =
    record.pending === 'create'
      ? `its unfinished creation used ${record.stack} for ${record.domain}; run create with those again, or destroy it`
      : 'choose another name';
  throw new EngawaError('NAME_TAKEN', `An instance named "${name}" already exists; ${hint}.`, { name });
}
