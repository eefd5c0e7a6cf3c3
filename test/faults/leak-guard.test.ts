/**
 * The leak guard used by the fault matrix and the load tests reports what it
 * is meant to report: a socket or timer left open, an unhandled rejection.
 */
import { createServer, connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSocketCount, useLeakGuard } from "./support/leak-guard.js";

describe("leak guard", () => {
  const guard = useLeakGuard({ settleMs: 300 });
  const accepted = new Set<Socket>();
  const server = createServer((socket) => {
    accepted.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => accepted.delete(socket));
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("passes a body that cleans up after itself", async () => {
    await expect(
      guard.check(async () => {
        const socket = connect(port, "127.0.0.1");
        await new Promise((resolve) => socket.once("connect", resolve));
        socket.destroy();
        return 1;
      }),
    ).resolves.toBe(1);
  });

  it("reports a socket left open (and the socket descriptor counts it)", async () => {
    const before = openSocketCount();
    let socket: Socket | undefined;
    try {
      await expect(
        guard.check(async () => {
          socket = connect(port, "127.0.0.1");
          await new Promise((resolve) => socket!.once("connect", resolve));
        }),
      ).rejects.toThrow(/left behind: {"TCPSocketWrap":"\d+ → \d+"}/);
      if (before !== undefined) expect(openSocketCount()).toBeGreaterThan(before);
    } finally {
      socket?.destroy();
    }
  });

  it("reports a timer left running", async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await expect(
        guard.check(async () => {
          timer = setTimeout(() => {}, 60_000);
        }),
      ).rejects.toThrow(/created and left running: {"Timeout":1}/);
    } finally {
      clearTimeout(timer);
    }
  });

  it("reports an unhandled rejection", async () => {
    await expect(
      guard.check(async () => {
        void Promise.reject(new Error("nobody listens"));
      }),
    ).rejects.toThrow(/unhandled rejections: Error: nobody listens/);
  });
});
