/**
 * The contenders of the reset-call benchmark, in report order.
 * Each `id` names a module `bench/contenders/<id>.ts`.
 */

/** How a contender relates to the targets. */
export type ContenderKind =
  | "raw"
  | "project-rest-bare"
  | "project-rest-full"
  | "googleapis"
  | "grpc-bare"
  | "project-grpc-full"
  | "connect-bare"
  | "project-connect-full";

/** One contender of the throughput benchmark. */
export interface ContenderInfo {
  id: string;
  label: string;
  kind: ContenderKind;
}

/** All throughput contenders. */
export const CONTENDERS: readonly ContenderInfo[] = [
  { id: "raw-http", label: "node:http + keep-alive Agent (hand-written)", kind: "raw" },
  { id: "undici-request", label: "undici 7 `request()` (hand-written)", kind: "raw" },
  { id: "fetch", label: "global `fetch` (hand-written)", kind: "raw" },
  { id: "project-rest-bare", label: "this project, REST: `createRestTransport` + `createClient`", kind: "project-rest-bare" },
  { id: "project-rest-full", label: "this project, REST: `createDataPortabilityClient` (auth + retry)", kind: "project-rest-full" },
  { id: "googleapis", label: "googleapis@178 `authorization.reset`", kind: "googleapis" },
  { id: "connect-grpc-bare", label: "connect-node gRPC transport (bare)", kind: "grpc-bare" },
  { id: "project-grpc-full", label: "this project, gRPC: `createDataPortabilityClient` (auth + retry)", kind: "project-grpc-full" },
  { id: "connect-connect-bare", label: "connect-node Connect transport (bare)", kind: "connect-bare" },
  { id: "project-connect-full", label: "this project, Connect: `createDataPortabilityClient` (auth + retry)", kind: "project-connect-full" },
];

/** Contenders of the 10,000-calls-in-flight memory test, baseline first per protocol. */
export const INFLIGHT_CONTENDERS: readonly string[] = [
  "raw-http",
  "project-rest-full",
  "googleapis",
  "connect-grpc-bare",
  "project-grpc-full",
  // Informative: the same clients under a 128 MB heap cap (see inflight.ts).
  "project-rest-full@heap128",
  "project-grpc-full@heap128",
];
