/**
 * Refuses requests whose declared Content-Length exceeds the emulator's
 * limit before any byte of the body is read, in the error shape of the
 * request's protocol. (connect-node's `readMaxBytes` and the route readers
 * enforce the same limit on bodies without a Content-Length.) REST requests
 * are left to the REST handler, which refuses them with its own 413.
 */
import { Code } from "@connectrpc/connect";
import { sendJson } from "./http-io.js";
import type { NodeServerResponse } from "../rest/server/index.js";
import type { RequestRoute } from "./request-route.js";

/** The message of a refused body. */
export function tooLargeMessage(size: number, limit: number): string {
  return `request body of ${size} bytes exceeds the limit of ${limit} bytes`;
}

/** Writes the "body too large" response for a route (not for REST routes). */
export function writeTooLarge(res: NodeServerResponse, route: RequestRoute, size: number, limit: number): void {
  const message = tooLargeMessage(size, limit);
  // The rest of the body is not read: close the connection after the answer.
  res.setHeader("connection", "close");
  if (route.kind === "rpc" && (route.protocol === "grpc" || route.protocol === "grpc-web")) {
    res.writeHead(200, {
      "content-type": route.protocol === "grpc" ? "application/grpc+proto" : "application/grpc-web+proto",
      "grpc-status": String(Code.ResourceExhausted),
      "grpc-message": encodeURIComponent(message),
    });
    res.end();
    return;
  }
  if (route.kind === "rpc" && route.protocol === "connect") {
    sendJson(res, 413, { code: "resource_exhausted", message });
    return;
  }
  sendJson(res, 413, { error: "invalid_request", error_description: message });
}
