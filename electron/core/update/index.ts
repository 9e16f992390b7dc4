/** The update layer's public interface. */
export { updateInfo, stepsTo, type UpdateInfo, type UpdateStep } from './available';
export { confirmUpdate, startInstance, updateInstance } from './update';
export { lastUpdateOf, rollbackInstance, rollbackPreview, type RollbackPreview } from './rollback';
export type { UpdateDeps, UpdateOptions, UpdatePoint, UpdateResult } from './types';
export { securityTarget, checkPolicy, PolicyStore, UpdateScheduler, type SecurityTarget, type UpdatePolicy } from './policy';
