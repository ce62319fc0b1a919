export { type AuthConformanceTarget, runAuthConformance } from './auth-conformance';
export {
  type BusConformanceOptions,
  type BusSetup,
  runBusConformance,
} from './bus-conformance';
export {
  runStorageConformance,
  type StorageConformanceOptions,
  type StorageSetup,
} from './storage-conformance';
