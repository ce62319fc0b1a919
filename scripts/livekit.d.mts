// Types of scripts/livekit.mjs, for the TypeScript that imports it (tests, bench).
export declare const LIVEKIT_VERSION: string;
export declare const LIVEKIT_MODULE: string;
export declare const NO_LIVEKIT_HELP: string;
export interface FoundLivekit {
  path: string;
  source: 'LIVEKIT_SERVER_BIN' | 'cache' | 'PATH' | 'built';
}
export declare function cachedLivekitPath(): string;
export declare function locateLivekit(): FoundLivekit | null;
export declare function buildLivekit(options?: {
  onProgress?: (line: string) => void;
}): Promise<string>;
export declare function findLivekit(options?: {
  build?: boolean;
  onProgress?: (line: string) => void;
}): Promise<FoundLivekit | null>;
export declare function livekitVersion(path: string): string;
