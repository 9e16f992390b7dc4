/**
 * API errors as the renderer shows them: a translated headline and what to do (by code), the
 * core's own sentence as the detail, and which wizard field an INVALID_INPUT is about.
 */
import type { ApiError, ApiErrorCode } from '../../../electron/shared/contract';
import { ApiCallError } from '../api/client';

/** Any thrown value as an ApiError (INTERNAL for what did not come from the API). */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiCallError) return { code: e.code, message: e.message, ...(e.details && { details: e.details }) };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** The input fields of the create wizard an error can point at. */
export type WizardField = 'domain' | 'name' | 'adminUser' | 'adminEmail' | 'adminPassword' | 'stack';

/**
 * The wizard field an error of `instances.create` is about, from its details: the core's
 * validators name the value (`{domain}`, `{name}`, `{user}`, `{email}`, `{setting}`) and the
 * dispatcher names the input path (`{path: 'admin.email'}`). Null when no field is to blame.
 */
export function fieldOfError(error: ApiError): WizardField | null {
  if (error.code === 'NAME_TAKEN') return 'name';
  if (error.code !== 'INVALID_INPUT' && error.code !== 'NOT_FOUND') return null;
  const d = error.details ?? {};
  const path = typeof d.path === 'string' ? d.path : '';
  const setting = typeof d.setting === 'string' ? d.setting : '';
  if ('domain' in d || path === 'domain') return 'domain';
  if ('name' in d || path === 'name') return 'name';
  if ('user' in d || path === 'admin.user' || setting === 'admin_user') return 'adminUser';
  if ('email' in d || path === 'admin.email' || setting === 'admin_email') return 'adminEmail';
  if (path === 'admin.password' || /password/i.test(error.message)) return 'adminPassword';
  if ('stack' in d || 'id' in d || path === 'stack') return 'stack';
  return null;
}

/** The catalogue keys of an error's headline and advice (`errors.<CODE>.title` / `.action`). */
export function errorKeys(code: ApiErrorCode): { title: string; action: string } {
  return { title: `errors.${code}.title`, action: `errors.${code}.action` };
}
