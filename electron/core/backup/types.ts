/** What the backup operations need, and the options they share. */
import type Dockerode from 'dockerode';
import type { EngineApi } from '../engine/types';
import type { InstanceManager, SecretStore } from '../instances';
import type { ProgressSink } from '../util/progress';
import type { Recipe } from '../stacks/types';

export interface BackupDeps {
  /** the Engawa data directory (the default backup folder is in it) */
  home: string;
  /** streamed volume and exec I/O */
  docker: Dockerode;
  /** apply / start / stop / remove of plans */
  engine: EngineApi;
  /** plans of existing instances (with their tunnel and volumes), and the operations (lock, record, states) backups run as */
  manager: InstanceManager;
  secrets: SecretStore;
  recipes: { get(id: string): Recipe; list(): Recipe[] };
  /** official image reference → local reference (tests, mirrors) */
  images?: Record<string, string>;
}

/** Bytes moved by a step so far; `total` is an estimate, 0 when unknown. */
export type BytesSink = (p: { step: string; current: number; total: number }) => void;

export interface CommonOptions {
  passphrase: string;
  onProgress?: ProgressSink;
  onBytes?: BytesSink;
  signal?: AbortSignal;
  /** scrypt work factor (log2) for new files; tests lower it, users get age's default (18) */
  workFactor?: number;
  /** how long a restored copy may take to become healthy (default 180 s) */
  healthTimeoutMs?: number;
}
