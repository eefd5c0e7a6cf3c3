/**
 * Helpers shared by the REST transport suites: capture servers closed after
 * each test, the ConnectError of a rejected call, a socket's close, and a
 * port nothing listens on.
 */
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { ConnectError } from "@connectrpc/connect";
import { afterEach, expect } from "vitest";
import { startCaptureServer, type CaptureServer, type Handler } from "./http-server.js";

/** The most a {@link hugeBody} handler writes: 64 MiB. */
export const HUGE_BODY_BYTES = 64 * 1024 * 1024;

/** Returns `serve(handler?)`, which starts a capture server that is closed after the current test. */
export function useCaptureServers(): (handler?: Handler) => Promise<CaptureServer> {
  const servers: CaptureServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (handler?: Handler) => {
    const server = await startCaptureServer(handler);
    servers.push(server);
    return server;
  };
}

/** The ConnectError `promise` rejects with (fails the test if it resolves or rejects otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

/** Resolves once the server-side socket is closed. */
export async function closed(socket: Socket | undefined): Promise<void> {
  expect(socket).toBeDefined();
  if (socket!.destroyed) return;
  // Not events.once: that rejects on the ECONNRESET the hang-up may cause.
  await new Promise<void>((resolve) => socket!.once("close", () => resolve()));
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A handler answering 200 with a JSON content type and a body of up to
 * {@link HUGE_BODY_BYTES} spaces, written with backpressure until the client
 * hangs up; `written()` tells how much was written.
 */
export function hugeBody(): { handler: Handler; written: () => number } {
  let written = 0;
  const handler: Handler = (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const pump = (): void => {
      while (!res.destroyed && written < HUGE_BODY_BYTES) {
        written += chunk.length;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
    };
    pump();
  };
  return { handler, written: () => written };
}

/**
 * A handler answering 200 with a JSON body that never ends (`[` then a space
 * every 10 ms) until the client hangs up. The timer stops when the
 * connection closes; `stop()` ends it in any case (call it after the test).
 */
export function endlessBody(): { handler: Handler; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const handler: Handler = (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write("[");
    timer = setInterval(() => res.write(" "), 10);
    res.on("close", () => clearInterval(timer));
  };
  return { handler, stop: () => clearInterval(timer) };
}
