/**
 * A real `node:http` server on 127.0.0.1:0 that records every request and
 * answers through a handler, for REST transport tests.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One request as the server received it. */
export interface CapturedRequest {
  method: string;
  /** Raw request target (path + query) exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Answers one request; the body has been read completely. */
export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** A running capture server. */
export interface CaptureServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  requests: CapturedRequest[];
  /** Sockets the server accepted so far. */
  sockets: Socket[];
  /** Stops the server and destroys every connection. */
  close(): Promise<void>;
}

/** Answers `200 {}` with `content-type: application/json`. */
export const replyEmptyObject: Handler = (_req, res) => {
  res.setHeader("content-type", "application/json");
  res.end("{}");
};

/** Starts a capture server; `handler` defaults to {@link replyEmptyObject}. */
export async function startCaptureServer(handler: Handler = replyEmptyObject): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const sockets: Socket[] = [];
  const server = createServer((req, res) => {
    // Writes after the client hung up (provoked by several tests) must not throw.
    res.on("error", () => {});
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.push(socket);
    // Clients hanging up mid-response is what several tests provoke.
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
