/**
 * Follows one backup operation started from the Backups tab: its byte progress (the store's
 * operation view keeps steps, not bytes), its end, after which `onEnd` runs (reload the list), and
 * what it answered this client (an inspect's preview).
 */
import { useEffect, useRef, useState } from 'react';
import type { ApiError, OpResult } from '../../../electron/shared/contract';
import { useApi } from '../store/context';

export interface BytesView {
  step: string;
  current: number;
  total: number;
}

export interface BackupOpView {
  opId: string;
  status: 'running' | 'done' | 'failed';
  bytes?: BytesView;
  error?: ApiError;
  /** what the operation answered this client (an inspect's preview) */
  result?: OpResult;
}

/** The view of operation `opId` (null: none), calling `onEnd` once it ends. */
export function useBackupOp(opId: string | null, onEnd: (ok: boolean) => void): BackupOpView | null {
  const api = useApi();
  const [view, setView] = useState<BackupOpView | null>(null);
  const ended = useRef(onEnd);
  ended.current = onEnd;
  useEffect(() => {
    if (opId === null) {
      setView(null);
      return;
    }
    setView({ opId, status: 'running' });
    const offs = [
      api.on('op.progress', (e) => {
        if (e.opId !== opId || e.progress.kind !== 'bytes') return;
        const { step, current, total } = e.progress;
        setView((v) => (v === null ? v : { ...v, bytes: { step, current, total } }));
      }),
      api.on('op.done', (e) => {
        if (e.opId !== opId) return;
        setView((v) => (v === null ? v : { ...v, status: 'done', ...(e.result && { result: e.result }) }));
        ended.current(true);
      }),
      api.on('op.failed', (e) => {
        if (e.opId !== opId) return;
        setView((v) => (v === null ? v : { ...v, status: 'failed', error: e.error }));
        ended.current(false);
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [api, opId]);
  return view;
}
