/**
 * Writes the responses of non-error fault effects (drops, broken bodies,
 * HTML pages, ...) in the shape of each wire protocol, so every client
 * transport meets the failure it would meet on a real network.
 */
import { create, toBinary, toJsonString, type DescMethod } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import type { FaultEffect } from "./faults.js";
import { dropConnection } from "./dual-server.js";
import type { NodeServerRequest, NodeServerResponse } from "../rest/server/index.js";
import type { RpcProtocol } from "./request-route.js";

/** How successful responses of a route look on the wire. */
export interface Wire {
  /** Content type of a success response. */
  contentType: string;
  /** Binary (protobuf, ZIP) rather than JSON. */
  binary: boolean;
  /** gRPC / gRPC-web message framing and trailers, or none. */
  framing: "none" | "grpc" | "grpc-web";
  /** A plausible success body (unframed), used for prefixes. */
  sample: Uint8Array;
  /** A well-formed body (unframed) whose content does not fit the response type. */
  mismatch: Uint8Array;
}

/** Effects that replace the response (every effect but "error"). */
export type ResponseEffect = Exclude<FaultEffect, { type: "error" }>;

const DEFAULT_OVERSIZED_BYTES = 8 * 1024 * 1024;

/** Tag of protobuf field 1000, wire type 2 (an unknown length-delimited field). */
const UNKNOWN_FIELD_TAG = [0xc2, 0x3e];

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A binary message holding only an unknown field of `size` bytes: valid, and ignored by parsers. */
function paddingField(size: number): Uint8Array {
  const header = [...UNKNOWN_FIELD_TAG, ...varint(size)];
  const out = new Uint8Array(header.length + size);
  out.set(header);
  out.fill(0x61, header.length);
  return out;
}

/** A sample response of `method`: every string field filled in. */
function sampleBody(method: DescMethod, binary: boolean): Uint8Array {
  const message = create(method.output);
  const fields = message as unknown as Record<string, unknown>;
  for (const field of method.output.fields) {
    if (field.fieldKind === "scalar" && field.scalar === ScalarType.STRING) fields[field.localName] = "emulator-sample";
  }
  if (!binary) return new TextEncoder().encode(toJsonString(method.output, message));
  const bytes = toBinary(method.output, message);
  const padding = paddingField(16);
  const out = new Uint8Array(bytes.length + padding.length);
  out.set(bytes);
  out.set(padding, bytes.length);
  return out;
}

/**
 * A well-formed body whose first field has the wrong type: in JSON an object
 * where a string, number or list belongs (a list where a message belongs; a
 * top-level list for a message without fields); in protobuf the first field
 * with the wrong wire type (a varint for a length-delimited field, a
 * length-delimited value whose varint runs past the end otherwise).
 */
function mismatchBody(method: DescMethod, binary: boolean): Uint8Array {
  const first = [...method.output.fields].sort((a, b) => a.number - b.number)[0];
  if (!binary) {
    if (first === undefined) return new TextEncoder().encode('["not", "a", "message"]');
    const wrong = first.fieldKind === "message" ? ["not", "a", "message"] : { unexpected: ["shape"] };
    return new TextEncoder().encode(JSON.stringify({ [first.jsonName]: wrong }));
  }
  if (first === undefined) return new Uint8Array([0x0f]);
  const lengthDelimited =
    first.message !== undefined ||
    ((first.fieldKind === "scalar" || first.fieldKind === "list") &&
      (first.scalar === ScalarType.STRING || first.scalar === ScalarType.BYTES));
  const tag = varint(first.number * 8 + (lengthDelimited ? 0 : 2));
  return new Uint8Array(lengthDelimited ? [...tag, 0x01] : [...tag, 0x03, 0xff, 0xff, 0xff]);
}

/** The wire of an RPC in `protocol`, mirroring the request's codec. */
export function rpcWire(req: NodeServerRequest, protocol: RpcProtocol, method: DescMethod): Wire {
  const requestType = String(req.headers["content-type"] ?? "").toLowerCase();
  if (protocol === "grpc" || protocol === "grpc-web") {
    const base = protocol === "grpc" ? "application/grpc" : "application/grpc-web";
    const json = requestType.startsWith(`${base}+json`);
    return {
      contentType: `${base}+${json ? "json" : "proto"}`,
      binary: !json,
      framing: protocol,
      sample: sampleBody(method, !json),
      mismatch: mismatchBody(method, !json),
    };
  }
  if (protocol === "connect") {
    const encoding = (req.url ?? "").includes("encoding=proto") || requestType.startsWith("application/proto");
    return {
      contentType: encoding ? "application/proto" : "application/json",
      binary: encoding,
      framing: "none",
      sample: sampleBody(method, encoding),
      mismatch: mismatchBody(method, encoding),
    };
  }
  return {
    contentType: "application/json; charset=utf-8",
    binary: false,
    framing: "none",
    sample: sampleBody(method, false),
    mismatch: mismatchBody(method, false),
  };
}

/** The wire of a JSON route (OAuth endpoints). */
export function jsonWire(sample: unknown): Wire {
  return {
    contentType: "application/json; charset=utf-8",
    binary: false,
    framing: "none",
    sample: new TextEncoder().encode(JSON.stringify(sample)),
    mismatch: new TextEncoder().encode(JSON.stringify({ access_token: { unexpected: ["shape"] }, expires_in: "soon" })),
  };
}

function frame(flags: number, payload: Uint8Array, declared = payload.length): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, declared);
  out.set(payload, 5);
  return out;
}

const grpcOk = { "grpc-status": "0", "grpc-message": "" };

/** gRPC-web carries trailers as a final frame with flag 0x80. */
function grpcWebTrailerFrame(): Uint8Array {
  return frame(0x80, new TextEncoder().encode("grpc-status: 0\r\ngrpc-message: \r\n"));
}

function malformedPayload(binary: boolean): Uint8Array {
  // Wire type 7 does not exist; "{" followed by garbage is not JSON.
  return binary ? new Uint8Array([0x0f, 0x0f, 0x0f]) : new TextEncoder().encode('{"archiveJobId": <not json');
}

function oversizedPayload(binary: boolean, size: number): Uint8Array {
  if (binary) return paddingField(size);
  const out = new Uint8Array(Math.max(size, 2)).fill(0x20);
  out[0] = 0x7b; // "{"
  out[out.length - 1] = 0x7d; // "}"
  return out;
}

/** Writes a complete 200 response carrying `payload` (framed and with OK trailers for gRPC / gRPC-web). */
function writeBody(res: NodeServerResponse, wire: Wire, payload: Uint8Array, declared?: number): void {
  res.writeHead(200, { "content-type": wire.contentType });
  if (wire.framing === "none") {
    res.end(payload);
    return;
  }
  res.write(frame(0, payload, declared));
  if (wire.framing === "grpc-web") {
    res.end(grpcWebTrailerFrame());
    return;
  }
  if ("addTrailers" in res) res.addTrailers(grpcOk);
  res.end();
}

function htmlPage(status: number): string {
  return `<!DOCTYPE html>
<html lang=en><meta charset=utf-8><title>Error ${status} (Server Error)!!1</title>
<p><b>${status}.</b> <ins>That’s an error.</ins>
<p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds. <ins>That’s all we know.</ins>
</html>
`;
}

/**
 * Writes the response of a fault effect. `pending` receives responses that
 * are left open on purpose (never-ends), so the server can destroy them on close.
 */
export function writeFaultEffect(
  req: NodeServerRequest,
  res: NodeServerResponse,
  wire: Wire,
  effect: ResponseEffect,
  pending: (res: NodeServerResponse) => void,
): void {
  switch (effect.type) {
    case "drop": {
      if (effect.when !== "mid-body") {
        dropConnection(req);
        return;
      }
      const body = wire.framing === "none" ? wire.sample : frame(0, wire.sample);
      const half = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
      res.writeHead(200, { "content-type": wire.contentType, "content-length": String(body.length) });
      res.write(half, () => setTimeout(() => dropConnection(req), 5));
      return;
    }
    case "malformed-body":
      writeBody(res, wire, malformedPayload(wire.binary));
      return;
    case "truncated-body": {
      const half = wire.sample.subarray(0, Math.max(1, Math.floor(wire.sample.length / 2)));
      writeBody(res, wire, half, wire.sample.length);
      return;
    }
    case "oversized-body":
      writeBody(res, wire, oversizedPayload(wire.binary, effect.bytes ?? DEFAULT_OVERSIZED_BYTES));
      return;
    case "html": {
      const status = effect.status ?? 502;
      const page = htmlPage(status);
      res.writeHead(status, { "content-type": "text/html; charset=UTF-8", "content-length": String(Buffer.byteLength(page)) });
      res.end(page);
      return;
    }
    case "wrong-content-type":
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": "3" });
      res.end("OK\n");
      return;
    case "wrong-shape":
      writeBody(res, wire, wire.mismatch);
      return;
    case "empty-200":
      res.writeHead(200, { "content-type": wire.contentType, "content-length": "0" });
      res.end();
      return;
    case "never-ends":
      res.writeHead(200, { "content-type": wire.contentType });
      if ("flushHeaders" in res) res.flushHeaders();
      pending(res);
      return;
  }
}
