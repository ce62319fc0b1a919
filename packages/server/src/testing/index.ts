export { type AuthConformanceTarget, runAuthConformance } from './auth-conformance';
export {
  runStorageConformance,
  type StorageConformanceOptions,
  type StorageSetup,
} from './storage-conformance';
