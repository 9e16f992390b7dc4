/**
 * The instances layer's public interface: the only file of electron/core/instances that other
 * layers (backup, api, cli, host, tray) and the Electron glue import. Operations on an instance go
 * through `InstanceManager` (its own, or `runOperation` for those of other layers); the lock, the
 * record store, the ports and the state machine stay inside.
 */
export { InstanceManager } from './manager';
export { projectName, type InstanceManagerDeps } from './context';
export type { OperationTx } from './operation';
export type { StateCache, StateListener } from './state-cache';
export type { EngineListener } from './watcher';
export { deriveState } from './state';
export { assertCreatable } from './input';
export { engawaHome, secretFile, secretsDir } from './home';
export { FileSecretStore, MemorySecretStore, type SecretStore } from './secret-store';
export type { CreateInput, InstanceRecord, InstanceState, InstanceStatus, Op, OpOptions, Override, PendingOp, UpdatePhase, UpdateProgress } from './types';
