/** A value fetched from the API: loading, there, or failed with the API's error. */
import type { ApiError } from '../../../electron/shared/contract';

export type Loadable<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; error: ApiError };

export const loading = { status: 'loading' } as const;

/** The value when ready, else undefined. */
export function valueOf<T>(l: Loadable<T> | undefined): T | undefined {
  return l?.status === 'ready' ? l.value : undefined;
}
