/**
 * Error responses of the REST handler, always in Google's envelope
 * `{"error":{"code":<http>,"message","status":"NAME","details":[…]}}`.
 */
import type { Registry } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorToJsonBody } from "../error-json.js";
import { statusNameFromCode } from "../http-status.js";

/** HTTP statuses of transport-level refusals (see {@link httpStatusError}). */
const statusOverrides = new WeakMap<ConnectError, number>();

/**
 * A transport-level refusal whose HTTP status is not the canonical status of
 * its code: 405 (`Unimplemented`), 413 and 415 (`InvalidArgument`). `code`
 * goes into the envelope's `status`. (A `ConnectError` subclass would not
 * do: `ConnectError`'s `Symbol.hasInstance` accepts every ConnectError.)
 */
export function httpStatusError(httpStatus: number, message: string, code: Code): ConnectError {
  const error = new ConnectError(message, code);
  statusOverrides.set(error, httpStatus);
  return error;
}

/** The HTTP status of an error made by {@link httpStatusError}, else `undefined`. */
export function httpStatusOf(reason: unknown): number | undefined {
  return reason instanceof ConnectError ? statusOverrides.get(reason) : undefined;
}

/** An HTTP error response ready to be written. */
export interface ErrorResponse {
  status: number;
  /** `content-type` plus the error's metadata. */
  header: Headers;
  body: Uint8Array;
}

const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

/**
 * Turns anything thrown while serving a request into an error response: a
 * `ConnectError` keeps its code, message, details and metadata (as response
 * headers); anything else becomes 500 `INTERNAL` "internal error", so no
 * stack or internal message leaks.
 */
export function errorResponse(reason: unknown, registry: Registry | undefined): ErrorResponse {
  const error =
    reason instanceof ConnectError ? reason : new ConnectError("internal error", Code.Internal);
  const header = new Headers(error.metadata);
  header.set("content-type", JSON_CONTENT_TYPE);
  const override = statusOverrides.get(error);
  if (override !== undefined) {
    const envelope = {
      error: {
        code: override,
        message: error.rawMessage,
        status: statusNameFromCode(error.code),
      },
    };
    return {
      status: override,
      header,
      body: new TextEncoder().encode(JSON.stringify(envelope)),
    };
  }
  const { status, body } = errorToJsonBody(error, { registry });
  return { status, header, body };
}
