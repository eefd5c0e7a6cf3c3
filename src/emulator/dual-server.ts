/**
 * One plaintext TCP port for HTTP/2 (h2c, prior knowledge: gRPC and the
 * HTTP/2 transports) and HTTP/1.1 (Connect, gRPC-web, REST, curl).
 *
 * `http2.createServer({ allowHTTP1: true })` only downgrades over TLS (ALPN);
 * on Node 20 a plaintext HTTP/2 server rejects HTTP/1.1 requests. So the
 * listener reads the first bytes of each connection: the HTTP/2 client
 * preface starts with "PRI ", anything else goes to an `http` server. The
 * bytes read are put back (`unshift`) before the socket is handed over.
 */
import { createServer as createHttp1Server } from "node:http";
import { createServer as createHttp2Server, type Http2Session } from "node:http2";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import type { NodeHandlerFn, NodeServerRequest } from "../rest/server/index.js";

const H2_PREFACE_START = "PRI ";

/** The TCP socket of each HTTP/2 session (`session.socket` is a proxy that cannot be destroyed). */
const sessionSockets = new WeakMap<Http2Session, Socket>();

/**
 * Drops the connection under a request as a network failure would: destroys
 * the TCP socket, which for HTTP/2 ends every stream of the session.
 */
export function dropConnection(req: NodeServerRequest): void {
  if ("stream" in req && req.stream !== undefined) {
    const session = req.stream.session;
    const socket = session === undefined ? undefined : sessionSockets.get(session);
    if (socket !== undefined) socket.destroy();
    else session?.destroy();
    return;
  }
  req.socket.destroy();
}

/** A listening-ready server plus the live connections, for a hard close. */
export interface DualProtocolServer {
  /** The TCP server to `listen()` on. */
  readonly server: Server;
  /** Closes the listener and destroys every connection and HTTP/2 session; resolves when the listener closed. */
  destroy(): Promise<void>;
}

/** Creates the server; `handler` receives `http` and `http2` compatibility requests alike. */
export function createDualProtocolServer(handler: NodeHandlerFn): DualProtocolServer {
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  const h1 = createHttp1Server(handler);
  const h2 = createHttp2Server(handler);
  h1.on("clientError", (_err, socket: Socket) => socket.destroy());
  h2.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.on("error", () => {});
    session.on("close", () => sessions.delete(session));
  });
  h2.on("sessionError", () => {});

  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    let seen = Buffer.alloc(0);
    const sniff = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const head = seen.subarray(0, H2_PREFACE_START.length).toString("latin1");
      if (seen.length < H2_PREFACE_START.length && H2_PREFACE_START.startsWith(head)) return; // undecided yet
      socket.off("data", sniff);
      socket.pause();
      socket.unshift(seen);
      if (head === H2_PREFACE_START) {
        // The HTTP/2 session reads the buffered bytes itself and takes over the handle.
        h2.once("session", (session: Http2Session) => sessionSockets.set(session, socket));
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", sniff);
  });

  return {
    server,
    destroy: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
