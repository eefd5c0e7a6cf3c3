/**
 * Finds the `google.rpc.ErrorInfo` of a ConnectError.
 *
 * @module
 */

import { ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, type ErrorInfo } from "../../gen/google/rpc/error_details_pb.js";

/**
 * The ErrorInfo `domain` this project expects on the API's own errors
 * (a documented guess: Google's real value was never observed).
 */
export const DATA_PORTABILITY_ERROR_DOMAIN = "dataportability.googleapis.com";

const cache = new WeakMap<ConnectError, ErrorInfo | null>();

/**
 * Returns the ErrorInfo of `err`: the first one in the Data Portability
 * domain, else the first one at all (`details[0]` on this API's errors).
 * Returns undefined for values that are not ConnectErrors or carry no
 * ErrorInfo. Decoded once per error object.
 */
export function errorInfoOf(err: unknown): ErrorInfo | undefined {
  if (!(err instanceof ConnectError)) {
    return undefined;
  }
  let info = cache.get(err);
  if (info === undefined) {
    const all = err.details.length === 0 ? [] : err.findDetails(ErrorInfoSchema);
    info = all.find((i) => i.domain === DATA_PORTABILITY_ERROR_DOMAIN) ?? all[0] ?? null;
    cache.set(err, info);
  }
  return info ?? undefined;
}
