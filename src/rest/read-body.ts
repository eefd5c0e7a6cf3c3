/**
 * Reading a streamed response body with a size limit, for HTTP clients that
 * may not honour the call's signal.
 */
import type { RestHttpResponse } from "./http-client.js";

function noop(): void {}

/** A promise that rejects with the signal's reason once it aborts (never unhandled). */
export function whenAborted(signal: AbortSignal): Promise<never> {
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  promise.catch(noop);
  return promise;
}

/**
 * Reads a whole response body. More than `limit` bytes (by `content-length`
 * up front, or while reading) fails with `tooLarge(size?)` and stops the
 * stream (`return()` on its iterator); an abort fails at once.
 */
export async function readBody(
  response: RestHttpResponse,
  limit: number,
  aborted: Promise<never>,
  tooLarge: (size?: number) => Error,
): Promise<Uint8Array> {
  const iterator = response.body[Symbol.asyncIterator]();
  const stop = (): void => {
    iterator.return?.()?.catch(noop);
  };
  const declared = response.header.get("content-length");
  if (declared !== null && Number(declared) > limit) {
    stop();
    throw tooLarge(Number(declared));
  }
  let first: Uint8Array | undefined;
  let chunks: Uint8Array[] | undefined;
  let total = 0;
  try {
    for (;;) {
      const result = await Promise.race([iterator.next(), aborted]);
      if (result.done === true) break;
      const chunk = result.value;
      total += chunk.byteLength;
      if (total > limit) throw tooLarge();
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    }
  } catch (e) {
    stop();
    throw e;
  }
  if (chunks === undefined) return first ?? new Uint8Array(0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
