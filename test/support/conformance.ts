/**
 * Loads the transcoding conformance kit for tests: the vectors copied into
 * test/fixtures/conformance (so a clone without ../shared stays green) and
 * the generated descriptors of its service.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { DescMethodUnary } from "@bufbuild/protobuf";
import { TranscodingService } from "../gen-conformance/conformance/transcoding/v1/transcoding_pb.js";

/** Folder of the in-repo copy of the kit. */
export const FIXTURE_KIT = resolve(import.meta.dirname, "../fixtures/conformance");

/** Folder of the shared kit, present on developer machines and in CI only. */
export const SHARED_KIT = resolve(import.meta.dirname, "../../../shared/conformance");

/** Common keys of every vector. */
export interface Vector {
  id: string;
  note?: string;
}

/** A vector of template-parse.json. */
export interface TemplateParseVector extends Vector {
  template: string;
  ok: boolean;
  verb?: string;
}

/** A vector of client-encode.json. */
export interface ClientEncodeVector extends Vector {
  rpc: string;
  request: unknown;
  expect:
    | { method: string; path: string; body: unknown; error?: undefined }
    | { error: true; why?: string };
}

/** A vector of server-match.json. */
export interface ServerMatchVector extends Vector {
  request: { method: string; path: string; body?: string };
  expect: { rpc: string; message: unknown; httpStatus?: undefined } | { httpStatus: number };
}

/** A vector of error-decode.json. */
export interface ErrorDecodeVector extends Vector {
  response: { status: number; headers: Record<string, string>; body: string };
  expect: { code: string; message?: string; details?: Array<{ type: string } & Record<string, unknown>> };
}

/** Reads one vector file from the in-repo copy of the kit. */
export function loadVectors<T extends Vector>(
  file: "template-parse.json" | "client-encode.json" | "server-match.json" | "error-decode.json",
): T[] {
  return JSON.parse(readFileSync(resolve(FIXTURE_KIT, "vectors", file), "utf8")) as T[];
}

/** The conformance service descriptor. */
export { TranscodingService };

/** A unary method of the conformance service by RPC name. */
export function conformanceMethod(name: string): DescMethodUnary {
  for (const method of TranscodingService.methods) {
    if (method.name === name && method.methodKind === "unary") return method as DescMethodUnary;
  }
  throw new Error(`no unary RPC ${name} in the conformance service`);
}
