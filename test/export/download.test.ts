import { createServer as createHttpServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import type { Server as NetServer, Socket } from "node:net";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { strToU8, unzipSync, zipSync } from "fflate";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadArchiveFile } from "../../src/export/index.js";
import { rejection } from "./support/emulator-fixture.js";

const zip = Buffer.from(
  zipSync({ "Portability/My Activity/Search/MyActivity.json": strToU8(JSON.stringify([{ title: "x" }])) }),
);
const secret = "Signature=TOPSECRETSIG";

/** A real HTTP server whose routes the tests fill in; it records request headers. */
let http: Server;
let httpBase = "";
const seenHeaders: IncomingHttpHeaders[] = [];
/** A raw TCP server for responses Node's HTTP server refuses to send (lying Content-Length). */
let raw: NetServer;
let rawBase = "";
let rawResponse: (socket: Socket) => void = (socket) => socket.end();
let dir = "";

beforeAll(async () => {
  http = createHttpServer((req, res) => {
    seenHeaders.push(req.headers);
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/redirect") {
      res.writeHead(302, { location: `/files/moved.zip?${secret}` }).end();
    } else if (path === "/loop") {
      res.writeHead(307, { location: "/loop" }).end();
    } else if (path === "/expired") {
      res.writeHead(400, { "content-type": "application/xml" });
      res.end("<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>");
    } else if (path === "/missing") {
      res.writeHead(404).end();
    } else if (path === "/slow.zip") {
      res.writeHead(200, { "content-length": zip.length * 4 });
      res.write(zip.subarray(0, 10)); // never finishes
    } else {
      res.writeHead(200, { "content-type": "application/zip", "content-length": zip.length }).end(zip);
    }
  });
  raw = createNetServer((socket) => {
    socket.once("data", () => rawResponse(socket));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
  const httpAddress = http.address();
  const rawAddress = raw.address();
  if (httpAddress === null || typeof httpAddress === "string") throw new Error("no address");
  if (rawAddress === null || typeof rawAddress === "string") throw new Error("no address");
  httpBase = `http://127.0.0.1:${httpAddress.port}`;
  rawBase = `http://127.0.0.1:${rawAddress.port}`;
});

afterAll(async () => {
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await new Promise<void>((resolve) => raw.close(() => resolve()));
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dp-export-dl-"));
  seenHeaders.length = 0;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function rawHttp(headers: Record<string, string | number>, body: Buffer, end: "end" | "destroy"): void {
  rawResponse = (socket) => {
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    socket.write(`HTTP/1.1 200 OK\r\n${head}connection: close\r\n\r\n`);
    socket.write(body);
    if (end === "end") socket.end();
    else setTimeout(() => socket.destroy(), 20);
  };
}

describe("downloadArchiveFile", () => {
  it("streams a signed URL to disk without credentials and checks the size", async () => {
    const progress: Array<[number, number | undefined]> = [];
    const file = await downloadArchiveFile(`http://user:pw@127.0.0.1:${new URL(httpBase).port}/files/takeout-1.zip?${secret}`, dir, {
      onProgress: (bytes, total) => progress.push([bytes, total]),
    });
    expect(file.path).toBe(join(dir, "takeout-1.zip"));
    expect(file.bytes).toBe(zip.length);
    expect(file.url).toBe(`http://127.0.0.1:${new URL(httpBase).port}/files/takeout-1.zip?<redacted>`);
    const written = await readFile(file.path);
    expect(written.equals(zip)).toBe(true);
    expect(Object.keys(unzipSync(written))).toEqual(["Portability/My Activity/Search/MyActivity.json"]);
    expect(progress.at(-1)).toEqual([zip.length, zip.length]);
    expect(seenHeaders).toHaveLength(1);
    expect(seenHeaders[0]?.authorization).toBeUndefined();
    expect(seenHeaders[0]?.cookie).toBeUndefined();
    expect(await readdir(dir)).toEqual(["takeout-1.zip"]);
  });

  it("follows a redirect without sending credentials, and gives up on a loop", async () => {
    const file = await downloadArchiveFile(`${httpBase}/redirect?${secret}`, dir, { fileName: "out.zip" });
    expect(file.bytes).toBe(zip.length);
    expect(seenHeaders).toHaveLength(2);
    expect(seenHeaders.every((h) => h.authorization === undefined)).toBe(true);

    const err = await rejection(downloadArchiveFile(`${httpBase}/loop?${secret}`, dir, { fileName: "loop.zip", maxRedirects: 3 }));
    expect(err.code).toBe(Code.Unavailable);
    expect(err.message).toContain("more than 3 redirects");
    expect(seenHeaders).toHaveLength(2 + 4);
    expect(await readdir(dir)).toEqual(["out.zip"]);
  });

  it("fails on a body shorter than Content-Length and leaves no file", async () => {
    rawHttp({ "content-type": "application/zip", "content-length": zip.length }, zip.subarray(0, 40), "destroy");
    const err = await rejection(downloadArchiveFile(`${rawBase}/files/cut.zip?${secret}`, dir));
    expect(err.code).toBe(Code.DataLoss);
    expect(err.message).toContain("truncated");
    expect(err.message).not.toContain("TOPSECRET");
    expect(await readdir(dir)).toEqual([]);
  });

  it("fails when Content-Length under-states the body of a ZIP, and leaves no file", async () => {
    // The client reads Content-Length bytes; the ZIP check sees the cut archive.
    rawHttp({ "content-length": zip.length - 30 }, zip, "end");
    const err = await rejection(downloadArchiveFile(`${rawBase}/files/short.zip?${secret}`, dir));
    expect(err.code).toBe(Code.DataLoss);
    expect(err.message).toContain("not a complete ZIP");
    expect(await readdir(dir)).toEqual([]);
  });

  it("fails on a chunked body that ends early, without Content-Length", async () => {
    const half = zip.subarray(0, 50);
    rawResponse = (socket) => {
      socket.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n");
      socket.write(`${half.length.toString(16)}\r\n`);
      socket.write(half);
      socket.write("\r\n0\r\n\r\n");
      socket.end();
    };
    const err = await rejection(downloadArchiveFile(`${rawBase}/files/chunked.zip?${secret}`, dir));
    expect(err.code).toBe(Code.DataLoss);
    expect(await readdir(dir)).toEqual([]);
  });

  it("reports an expired signed URL clearly, without its signature", async () => {
    const err = await rejection(downloadArchiveFile(`${httpBase}/expired?Expires=1&${secret}`, dir, { fileName: "x.zip" }));
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.message).toContain("has expired");
    expect(err.message).toContain("6 hours");
    expect(err.message).toContain("/expired?<redacted>");
    expect(err.message).not.toContain("TOPSECRET");
    expect(err.message).not.toContain("Expires=1");
    const notFound = await rejection(downloadArchiveFile(`${httpBase}/missing?${secret}`, dir, { fileName: "x.zip" }));
    expect(notFound.code).toBe(Code.NotFound);
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses to overwrite an existing file unless asked", async () => {
    await writeFile(join(dir, "takeout.zip"), "keep me");
    const err = await rejection(downloadArchiveFile(`${httpBase}/files/takeout.zip?${secret}`, dir));
    expect(err.code).toBe(Code.AlreadyExists);
    expect(await readFile(join(dir, "takeout.zip"), "utf8")).toBe("keep me");
    expect(seenHeaders).toHaveLength(0); // refused before downloading

    const file = await downloadArchiveFile(`${httpBase}/files/takeout.zip?${secret}`, dir, { overwrite: true });
    expect((await readFile(file.path)).equals(zip)).toBe(true);
    expect(await readdir(dir)).toEqual(["takeout.zip"]);
  });

  it("derives safe names from hostile URL paths and rejects unsafe explicit names", async () => {
    const sub = join(dir, "out");
    const a = await downloadArchiveFile(`${httpBase}/files/..%2F..%2Fevil.zip?${secret}`, sub);
    expect(a.path).toBe(join(sub, "evil.zip"));
    const b = await downloadArchiveFile(`${httpBase}/files/%2e%2e?${secret}`, sub);
    expect(b.path).toBe(join(sub, "archive.zip"));
    const c = await downloadArchiveFile(`${httpBase}/files/..%5C..%5Cwin.zip?${secret}`, sub);
    expect(c.path).toBe(join(sub, "win.zip"));
    expect((await readdir(sub)).sort()).toEqual(["archive.zip", "evil.zip", "win.zip"]);
    expect(await readdir(dir)).toEqual(["out"]);

    for (const fileName of ["../x.zip", "a/b.zip", ".hidden", "", "con.zip"]) {
      const err = await rejection(downloadArchiveFile(`${httpBase}/files/ok.zip?${secret}`, sub, { fileName }));
      expect(err.code).toBe(Code.InvalidArgument);
    }
  });

  it("stops on abort and leaves no partial file", async () => {
    const controller = new AbortController();
    const started = downloadArchiveFile(`${httpBase}/slow.zip?${secret}`, dir, {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    const err = await rejection(started);
    expect(err.code).toBe(Code.Canceled);
    expect(err.message).not.toContain("TOPSECRET");
    expect(await readdir(dir)).toEqual([]);
  });
});
