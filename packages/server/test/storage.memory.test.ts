import { memoryStorage } from '../src/storage/memory';
import { runStorageConformance } from '../src/testing';

runStorageConformance('memory', async () => ({ storage: memoryStorage() }));
