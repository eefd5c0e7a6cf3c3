/**
 * Starting and stopping: the URL, one port for HTTP/2 and HTTP/1.1, close()
 * tearing down keep-alive connections, HTTP/2 sessions and hanging
 * responses, the host option and runEmulator.
 */
import { connect as connectTcp, type Socket } from "node:net";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { runEmulator, startEmulator, type Emulator } from "../../src/emulator/index.js";
import { createEmulatorClient, PROTOCOLS } from "../support/emulator-clients.js";
import { expectCode } from "./helpers.js";

function idleSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, "127.0.0.1", () => resolve(socket));
    socket.on("error", reject);
  });
}

describe("emulator lifecycle", () => {
  it("serves every protocol on one port at a path-less URL; close() tears down every connection", async () => {
    const emulator = await startEmulator({ port: 0 });
    expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
    expect(emulator.tokenUrl).toBe(`${emulator.url}/token`);
    expect(emulator.revokeUrl).toBe(`${emulator.url}/revoke`);
    const { accessToken } = await emulator.consent({ resources: ["myactivity.search"] });
    const clients = PROTOCOLS.map((protocol) => createEmulatorClient(protocol, emulator.url, { auth: accessToken }));
    for (const client of clients) expect((await client.checkAccessType({})).oneTimeResources).toEqual(["myactivity.search"]);

    // A response left hanging, and a connection that never sent a byte.
    emulator.faults.set("CheckAccessType", { effect: { type: "never-ends" } });
    const hanging = clients[0]!.checkAccessType({}).then(
      () => undefined,
      (err: unknown) => err,
    );
    const idle = await idleSocket(emulator.port);
    const idleClosed = new Promise<void>((resolve) => idle.on("close", () => resolve()));
    while (emulator.calls.count("CheckAccessType") < PROTOCOLS.length + 1) await new Promise((r) => setTimeout(r, 5));

    await emulator.close();
    await idleClosed;
    expect(await hanging).toBeInstanceOf(Error);
    for (const client of clients) await expectCode(client.checkAccessType({}), Code.Unavailable);
    await emulator.close(); // idempotent
  });

  it("binds the host option", async () => {
    const emulator = await startEmulator({ port: 0, host: "localhost" });
    try {
      expect(emulator.host).toBe("localhost");
      expect(emulator.url).toBe(`http://localhost:${emulator.port}`);
      const { accessToken } = await emulator.consent({ resources: ["chrome.settings"] });
      const client = createEmulatorClient("connect", emulator.url, { auth: accessToken });
      expect((await client.checkAccessType({})).oneTimeResources).toEqual(["chrome.settings"]);
    } finally {
      await emulator.close();
    }
  });

  it("rejects a port that is taken", async () => {
    const first = await startEmulator({ port: 0 });
    try {
      await expect(startEmulator({ port: first.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });

  it("runEmulator prints where it listens and stops cleanly on abort", async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    let running: Emulator | undefined;
    const done = runEmulator({
      port: 0,
      log: (line) => lines.push(line),
      signal: stop.signal,
      onListening: (emulator) => {
        running = emulator;
        stop.abort();
      },
    });
    await done;
    expect(running).toBeDefined();
    expect(lines[0]).toBe(`Data Portability emulator listening on ${running!.url} (gRPC, gRPC-web, Connect, REST)`);
    expect(lines.join("\n")).toContain(running!.tokenUrl);
    expect(lines.at(-1)).toBe("Data Portability emulator stopped");
    const client = createEmulatorClient("connect", running!.url);
    await expectCode(client.checkAccessType({}), Code.Unavailable);
  });
});

describe("reset while a job is still running", () => {
  it("a new consent starts a new job instead of resuming one of the revoked authorization", async () => {
    const emulator = await startEmulator({ port: 0 });
    try {
      const first = await emulator.consent({ user: "u", project: "p", resources: ["myactivity.search"] });
      const before = createEmulatorClient("connect", emulator.url, { auth: first.accessToken });
      const { archiveJobId: oldJob } = await before.initiatePortabilityArchive({ resources: ["myactivity.search"] });
      await before.resetAuthorization({});

      const second = await emulator.consent({ user: "u", project: "p", resources: ["myactivity.search"] });
      const after = createEmulatorClient("connect", emulator.url, { auth: second.accessToken });
      const { archiveJobId: newJob } = await after.initiatePortabilityArchive({ resources: ["myactivity.search"] });
      expect(newJob).not.toBe("");
      expect(newJob).not.toBe(oldJob);
    } finally {
      await emulator.close();
    }
  });
});
