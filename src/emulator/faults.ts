/**
 * Fault injection: per method (an RPC name, or "token", "revoke",
 * "download"), a fault with optional latency, a rate, a count and an effect.
 * The HTTP layer asks {@link FaultRegistry.take} once per call.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { codeFromStatusName } from "../rest/http-status.js";

/** What a fault does to the response. */
export type FaultEffect =
  | {
      /** Answer with an error status, encoded the way each protocol encodes errors. */
      type: "error";
      /** The status: a `Code` or its name ("UNAVAILABLE", "unavailable", "RESOURCE_EXHAUSTED", ...). */
      code: Code | string;
      /** Error message. Default: a message naming the injected fault. */
      message?: string;
      /** Adds a `Retry-After: <seconds>` response header. */
      retryAfterSeconds?: number;
      /** Adds a `google.rpc.RetryInfo` detail with this delay. */
      retryDelayMs?: number;
    }
  | {
      /** Drop the connection: before any response byte (default), or after the headers and half of the body. */
      type: "drop";
      when?: "before-response" | "mid-body";
    }
  | { /** A 200 whose body does not parse. */ type: "malformed-body" }
  | { /** A 200 whose body stops half-way, the response ending normally. */ type: "truncated-body" }
  | { /** An HTML error page, e.g. a proxy's 502. */ type: "html"; /** HTTP status, default 502. */ status?: number }
  | { /** A 200 with `text/plain` instead of the protocol's content type. */ type: "wrong-content-type" }
  | { /** A 200 with a valid but huge body. */ type: "oversized-body"; /** Body size, default 8 MiB. */ bytes?: number }
  | { /** Response headers, then nothing: the response never ends. */ type: "never-ends" }
  | { /** A 200 with the protocol's content type and an empty body (and no gRPC trailers). */ type: "empty-200" }
  | {
      /**
       * A complete, well-formed 200 (JSON or protobuf, framed, with OK
       * trailers) whose content does not fit the method's response message:
       * its first field carries a value of the wrong type.
       */
      type: "wrong-shape";
    };

/** A fault for one method. */
export interface Fault {
  /** Real milliseconds to wait before answering (or before the effect). */
  latencyMs?: number;
  /** The probability (0..1) that a call is affected. Default 1. */
  rate?: number;
  /** Affect only the next N affected calls, then remove the fault. Default: unlimited. */
  times?: number;
  /** What happens; omit for latency only. */
  effect?: FaultEffect;
}

/** Names that are not RPCs but can carry faults. */
export const NON_RPC_FAULT_TARGETS = ["token", "revoke", "download"] as const;

/** Every method name a fault can be set on. */
export const FAULT_TARGETS: readonly string[] = Object.freeze([
  ...DataPortabilityService.methods.map((m) => m.name),
  ...NON_RPC_FAULT_TARGETS,
]);

const effectTypes = new Set([
  "error",
  "drop",
  "malformed-body",
  "truncated-body",
  "html",
  "wrong-content-type",
  "oversized-body",
  "never-ends",
  "empty-200",
  "wrong-shape",
]);

/** The Code of a code or code name ("UNAVAILABLE", "unavailable", "resource_exhausted", 14), or undefined. */
export function parseCode(code: Code | string): Code | undefined {
  if (typeof code === "number") return Number.isInteger(code) && code >= 1 && code <= 16 ? code : undefined;
  if (typeof code !== "string") return undefined;
  const name = code.trim().toUpperCase().replace(/[\s-]+/g, "_");
  return codeFromStatusName(name === "CANCELED" ? "CANCELLED" : name);
}

/** The canonical method name of a fault target (accepts "initiatePortabilityArchive" too), or undefined. */
export function faultTarget(name: string): string | undefined {
  if (FAULT_TARGETS.includes(name)) return name;
  const method = DataPortabilityService.methods.find((m) => m.localName === name);
  return method?.name;
}

function isNonNegative(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/**
 * Checks a fault (from code or JSON).
 *
 * @throws TypeError naming the bad field and value.
 */
export function checkFault(fault: unknown): Fault {
  if (fault === null || typeof fault !== "object" || Array.isArray(fault)) {
    throw new TypeError("a fault must be an object like {latencyMs, rate, times, effect}");
  }
  const f = fault as Record<string, unknown>;
  for (const key of Object.keys(f)) {
    if (!["latencyMs", "rate", "times", "effect"].includes(key)) throw new TypeError(`unknown fault field ${JSON.stringify(key)}`);
  }
  if (f.latencyMs !== undefined && !isNonNegative(f.latencyMs)) {
    throw new TypeError(`fault latencyMs must be a number >= 0, got ${JSON.stringify(f.latencyMs)}`);
  }
  if (f.rate !== undefined && (!isNonNegative(f.rate) || f.rate > 1)) {
    throw new TypeError(`fault rate must be a number from 0 to 1, got ${JSON.stringify(f.rate)}`);
  }
  if (f.times !== undefined && (!Number.isSafeInteger(f.times) || (f.times as number) < 1)) {
    throw new TypeError(`fault times must be an integer >= 1, got ${JSON.stringify(f.times)}`);
  }
  if (f.effect !== undefined) checkEffect(f.effect);
  if (f.effect === undefined && f.latencyMs === undefined) throw new TypeError("a fault needs an effect or latencyMs");
  return { ...(f as Fault) };
}

function checkEffect(effect: unknown): void {
  if (effect === null || typeof effect !== "object") throw new TypeError("fault effect must be an object with a type");
  const e = effect as Record<string, unknown>;
  if (typeof e.type !== "string" || !effectTypes.has(e.type)) {
    throw new TypeError(`unknown fault effect type ${JSON.stringify(e.type)}; use one of ${[...effectTypes].join(", ")}`);
  }
  if (e.type === "error") {
    if (parseCode(e.code as Code | string) === undefined) throw new TypeError(`unknown status code ${JSON.stringify(e.code)}`);
    if (e.message !== undefined && typeof e.message !== "string") throw new TypeError("fault effect message must be a string");
    for (const key of ["retryAfterSeconds", "retryDelayMs"]) {
      if (e[key] !== undefined && !isNonNegative(e[key])) {
        throw new TypeError(`fault effect ${key} must be a number >= 0, got ${JSON.stringify(e[key])}`);
      }
    }
  }
  if (e.type === "drop" && e.when !== undefined && e.when !== "before-response" && e.when !== "mid-body") {
    throw new TypeError(`fault effect when must be "before-response" or "mid-body", got ${JSON.stringify(e.when)}`);
  }
  if (e.type === "html" && e.status !== undefined && !(Number.isInteger(e.status) && (e.status as number) >= 200 && (e.status as number) <= 599)) {
    throw new TypeError(`fault effect status must be an HTTP status, got ${JSON.stringify(e.status)}`);
  }
  if (e.type === "oversized-body" && e.bytes !== undefined && !(Number.isSafeInteger(e.bytes) && (e.bytes as number) > 0)) {
    throw new TypeError(`fault effect bytes must be a positive integer, got ${JSON.stringify(e.bytes)}`);
  }
}

/** The faults in force. */
export interface FaultRegistry {
  /**
   * Sets (replaces) the fault of a method.
   *
   * @throws TypeError for an unknown method name or a bad fault.
   */
  set(method: string, fault: Fault): void;
  /** Removes the fault of one method, or every fault. */
  clear(method?: string): void;
  /** The faults in force, by method. */
  list(): Record<string, Fault>;
  /** Decides for one call of `method`: the fault to apply, or undefined. */
  take(method: string): Fault | undefined;
}

/** Creates an empty registry; `random` (default Math.random) decides rates. */
export function createFaultRegistry(random: () => number = Math.random): FaultRegistry {
  const faults = new Map<string, Fault>();
  const target = (method: string) => {
    const name = faultTarget(method);
    if (name === undefined) {
      throw new TypeError(`unknown method ${JSON.stringify(method)} for a fault; use one of ${FAULT_TARGETS.join(", ")}`);
    }
    return name;
  };
  return {
    set(method, fault) {
      faults.set(target(method), checkFault(fault));
    },
    clear(method) {
      if (method === undefined) faults.clear();
      else faults.delete(target(method));
    },
    list: () => Object.fromEntries([...faults].map(([name, fault]) => [name, { ...fault }])),
    take(method) {
      const fault = faults.get(method);
      if (fault === undefined) return undefined;
      if (fault.rate !== undefined && random() >= fault.rate) return undefined;
      if (fault.times !== undefined) {
        if (fault.times <= 1) faults.delete(method);
        else faults.set(method, { ...fault, times: fault.times - 1 });
      }
      return fault;
    },
  };
}

/** The ConnectError of an "error" effect, with `Retry-After` metadata and a RetryInfo detail when asked. */
export function faultError(effect: Extract<FaultEffect, { type: "error" }>, method: string): ConnectError {
  const code = parseCode(effect.code) ?? Code.Unavailable;
  const metadata: Record<string, string> = {};
  if (effect.retryAfterSeconds !== undefined) metadata["retry-after"] = String(Math.ceil(effect.retryAfterSeconds));
  const details =
    effect.retryDelayMs === undefined
      ? []
      : [{ desc: RetryInfoSchema, value: { retryDelay: durationFromMs(effect.retryDelayMs) } }];
  return new ConnectError(effect.message ?? `injected fault on ${method}`, code, metadata, details);
}
