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
export declare function canBuildLivekit(): boolean;
export declare function buildLivekit(options?: {
  onProgress?: (line: string) => void;
}): Promise<string>;
export declare function findLivekit(options?: {
  build?: boolean;
  onProgress?: (line: string) => void;
}): Promise<FoundLivekit | null>;
export declare function livekitVersion(path: string): string;
export declare function freeTcpPort(): Promise<number>;
export declare function freeUdpPort(): Promise<number>;

export interface StartLivekitOptions {
  /** Where LiveKit posts its webhooks (signed with `apiKey`). */
  webhookUrls?: string[];
  /** LiveKit's log level. Default `warn`. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Sees what the server prints, as it prints it. */
  onOutput?: (chunk: string) => void;
}

export interface LivekitServer {
  /** `ws://127.0.0.1:<port>`: what clients and `livekit-server-sdk` connect to. */
  url: string;
  /** `http://127.0.0.1:<port>`. */
  httpUrl: string;
  apiKey: string;
  apiSecret: string;
  /** The server's pid, also its process group's. */
  pid: number;
  /** The TCP port of its ICE-TCP candidates (`rtc.tcp_port`). */
  tcpPort: number;
  /** Its ports: signalling and HTTP, ICE over TCP, ICE over UDP (one, muxed). */
  ports: { http: number; tcp: number; udp: number };
  /** Everything the server printed, for a failing test's message. */
  output(): string;
  /** Settles when the server has exited, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops the server (SIGTERM, SIGTERM again, then SIGKILL) and removes its config. */
  close(): Promise<void>;
}

export declare function startLivekit(
  binary: string,
  options?: StartLivekitOptions,
): Promise<LivekitServer>;
