/**
 * Carries the fault decided for a call from the HTTP layer down to the code
 * that answers it (the service implementation for every RPC protocol, the
 * OAuth and download routes), through AsyncLocalStorage, so no request
 * header or protocol detail is involved.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { faultError, type FaultEffect } from "./faults.js";

/** The fault effect of the current call, if any. */
export interface CallFault {
  /** The method the fault was set on. */
  method: string;
  effect: FaultEffect;
}

/** One scope per emulator. */
export type FaultScope = AsyncLocalStorage<CallFault | undefined>;

/** Creates a scope. */
export function createFaultScope(): FaultScope {
  return new AsyncLocalStorage<CallFault | undefined>();
}

/**
 * Wraps every method of a unary service implementation so that an "error"
 * fault of the current call is thrown before the method runs.
 */
export function withErrorFaults<S extends DescService>(impl: ServiceImpl<S>, scope: FaultScope): ServiceImpl<S> {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(impl as Record<string, (req: unknown, ctx: unknown) => unknown>)) {
    wrapped[name] = (req: unknown, ctx: unknown) => {
      const fault = scope.getStore();
      if (fault?.effect.type === "error") throw faultError(fault.effect, fault.method);
      return method(req, ctx);
    };
  }
  return wrapped as ServiceImpl<S>;
}
