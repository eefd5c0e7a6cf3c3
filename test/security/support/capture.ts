/**
 * Loopback servers that record what reaches them, and a probe that records
 * the TCP connections and DNS lookups a piece of code starts.
 */
import { createHook } from "node:async_hooks";
import { createServer as createHttpServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import { connect, createServer as createNetServer, type Socket } from "node:net";

/** One request as the capturing server saw it. */
export interface CapturedRequest {
  method: string;
  /** The raw request target (path and query), as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback HTTP/1.1 server recording every request. */
export interface CaptureServer {
  readonly url: string;
  readonly port: number;
  readonly requests: CapturedRequest[];
  close(): Promise<void>;
}

/**
 * Starts an HTTP/1.1 server on 127.0.0.1 that records each request and
 * answers it with `respond` (default: 404 with a Google error envelope).
 */
export async function startCaptureServer(
  respond: (req: CapturedRequest, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: 404, message: "captured", status: "NOT_FOUND" } }));
  },
): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const captured = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(captured);
      respond(captured, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback TCP listener that answers nothing and records every byte it receives. */
export interface ByteSink {
  readonly url: string;
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Starts a {@link ByteSink} on 127.0.0.1. */
export async function startByteSink(): Promise<ByteSink> {
  let data = "";
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      data += chunk;
    });
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => data,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runs `body` and returns its outcome together with the number of TCP
 * connects and DNS lookups started meanwhile (async_hooks `TCPCONNECTWRAP`
 * and `GETADDRINFOREQWRAP`), so a test can prove that nothing was dialled.
 */
export async function countConnects<T>(body: () => Promise<T>): Promise<{ outcome: T | unknown; connects: number; lookups: number }> {
  let connects = 0;
  let lookups = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === "TCPCONNECTWRAP") connects++;
      if (type === "GETADDRINFOREQWRAP") lookups++;
    },
  }).enable();
  try {
    const outcome = await body().then(
      (value) => value,
      (e: unknown) => e,
    );
    return { outcome, connects, lookups };
  } finally {
    hook.disable();
  }
}

/** A loopback TCP proxy to a target port that records what clients send. */
export interface RecordingProxy {
  readonly url: string;
  /** Everything clients sent so far, as latin1 text. */
  sent(): string;
  close(): Promise<void>;
}

/** Starts a {@link RecordingProxy} on 127.0.0.1 in front of `127.0.0.1:<targetPort>`. */
export async function startRecordingProxy(targetPort: number): Promise<RecordingProxy> {
  let data = "";
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  };
  const server = createNetServer((client) => {
    track(client);
    const upstream = connect(targetPort, "127.0.0.1");
    track(upstream);
    client.on("data", (chunk: Buffer) => {
      data += chunk.toString("latin1");
    });
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    sent: () => data,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
