/**
 * Shapes shared by the benchmark orchestrator, its worker processes and the
 * contenders. Free of side effects and of dependencies.
 */

/** Where a contender finds the servers and the project build. */
export interface BenchEnv {
  /** Origin of the HTTP/1.1 REST server, e.g. "http://127.0.0.1:40123". */
  restUrl: string;
  /** Origin of the h2c server that speaks gRPC, gRPC-web and Connect. */
  h2Url: string;
  /** Static OAuth access token every contender sends as `Bearer <token>`. */
  token: string;
  /** Absolute path of the project's build output (the folder holding `src/` and `gen/`). */
  dist: string;
}

/** One ready-to-call contender: `call()` performs one reset and checks the reply. */
export interface Contender {
  /** Performs one `ResetAuthorization` call; rejects if the reply is not the expected one. */
  call(): Promise<void>;
  /** Releases connections so the worker process can exit. */
  close(): Promise<void>;
}

/** The export every module under `bench/contenders/` provides. */
export type ContenderFactory = (env: BenchEnv) => Promise<Contender>;

/** Thrown by a factory when the code it needs has not landed yet (reported as n/a). */
export class Unavailable extends Error {
  override readonly name = "Unavailable";
}

/** Latency and throughput of one contender at one concurrency level. */
export interface LevelResult {
  concurrency: number;
  calls: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  callsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time (user + system) of the client process per completed call, µs. */
  cpuUsPerCall: number;
}

/** What a throughput worker sends back. */
export type ThroughputReply =
  | { kind: "ok"; levels: LevelResult[] }
  | { kind: "unavailable"; reason: string }
  | { kind: "failed"; reason: string };

/** What an in-flight worker sends back. */
export type InflightReply =
  | {
      kind: "ok";
      calls: number;
      errors: number;
      firstError?: string;
      elapsedMs: number;
      /** Resident set size after import and one warm call, before the burst (bytes). */
      rssBeforeBytes: number;
      /** Peak resident set size of the process (bytes): VmHWM on Linux. */
      peakRssBytes: number;
    }
  | { kind: "unavailable"; reason: string }
  | { kind: "failed"; reason: string };

/** Messages the orchestrator sends to the server process. */
export type ServerCommand =
  | { type: "gate"; count: number; maxWaitMs: number }
  | { type: "stats" }
  | { type: "close" };

/** Why the server's hold gate opened: all calls arrived, arrivals stopped, time ran out, or not armed. */
export type GateRelease = "count" | "idle" | "timeout" | "none";

/** Messages the server process sends to the orchestrator. */
export type ServerEvent =
  | { type: "ready"; restPort: number; h2Port: number }
  | { type: "gate-armed" }
  | { type: "stats"; served: number; maxPending: number; gateReleasedBy: GateRelease };

/** One encoded case. */
export interface EncodeCase {
  id: string;
  label: string;
  /** Median µs per encode. */
  usPerOp: number;
  /** The encoded request line, to show what was measured. */
  sample: string;
  batches: number[];
}

/** What the encode microbenchmark process sends back. */
export type EncodeReply =
  | { kind: "ok"; api: string; cases: EncodeCase[] }
  | { kind: "unavailable"; reason: string }
  | { kind: "failed"; reason: string };
