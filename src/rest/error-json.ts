/**
 * JSON error bodies of REST APIs: decoding into `ConnectError` (client) and
 * encoding Google's error envelope (server).
 *
 * Accepted bodies, in order of precedence:
 * 1. Google's envelope `{"error":{"code":<http>,"message","status":"NAME","details":[Any…]}}`
 *    (or a JSON array holding one): the code comes from `status`, else from
 *    the HTTP status.
 * 2. A bare `google.rpc.Status` `{"code":<0..16>,"message","details":[…]}`:
 *    the code is that gRPC code.
 * 3. Anything else: the HTTP status decides; the message is a JSON object's
 *    string `message`, else a short summary (`HTTP 502: Bad Gateway`), never
 *    the whole body.
 */
import {
  createRegistry,
  fromBinary,
  fromJson,
  toBinary,
  toJson,
  create,
  type DescMessage,
  type JsonObject,
  type JsonValue,
  type Registry,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { file_google_rpc_error_details } from "../../gen/google/rpc/error_details_pb.js";
import {
  codeFromHttpStatus,
  codeFromStatusName,
  httpStatusFromCode,
  statusNameFromCode,
} from "./http-status.js";

/** Options of the error JSON helpers. */
export interface ErrorJsonOptions {
  /**
   * Extra message types for error details, added to the google.rpc
   * error_details types (ErrorInfo, RetryInfo, BadRequest, Help, …) that are
   * always known.
   */
  registry?: Registry;
}

let defaultRegistry: Registry | undefined;

/** The registry of google.rpc error details, optionally extended. */
export function errorDetailsRegistry(extra?: Registry): Registry {
  defaultRegistry ??= createRegistry(file_google_rpc_error_details);
  return extra === undefined ? defaultRegistry : createRegistry(defaultRegistry, extra);
}

const TYPE_URL_PREFIX = "type.googleapis.com/";

/** How many bytes of a non-JSON body are looked at for the message summary. */
const SUMMARY_SCAN_BYTES = 4096;
/** Maximum length of the summary taken from a non-JSON body. */
const SUMMARY_MAX_CHARS = 120;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A detail in proto3 JSON `Any` form → connect-es incoming detail, or `undefined`. */
function decodeDetail(
  json: unknown,
  registry: Registry,
): { type: string; value: Uint8Array; debug: JsonValue } | undefined {
  if (!isObject(json)) return undefined;
  const url = json["@type"];
  if (typeof url !== "string") return undefined;
  const type = url.slice(url.lastIndexOf("/") + 1);
  const desc = registry.getMessage(type);
  if (desc === undefined) return undefined;
  try {
    const keys = Object.keys(json);
    let payload: JsonValue;
    if (type.startsWith("google.protobuf.") && keys.length === 2 && "value" in json) {
      payload = json["value"] as JsonValue;
    } else {
      const rest: JsonObject = {};
      for (const key of keys) if (key !== "@type") rest[key] = json[key] as JsonValue;
      payload = rest;
    }
    const message = fromJson(desc, payload, { registry, ignoreUnknownFields: true });
    return { type, value: toBinary(desc, message), debug: json };
  } catch {
    return undefined;
  }
}

function summarize(status: number, text: string): string {
  let snippet = text.length > SUMMARY_SCAN_BYTES ? text.slice(0, SUMMARY_SCAN_BYTES) : text;
  const lower = snippet.toLowerCase();
  const titleAt = lower.indexOf("<title");
  if (titleAt >= 0) {
    const open = lower.indexOf(">", titleAt);
    const close = lower.indexOf("</title", open);
    if (open >= 0 && close > open) snippet = snippet.slice(open + 1, close);
  }
  snippet = snippet
    .replace(/<[^<>]*>/g, " ") // [^<>], not [^>]: linear on "<<<<…"
    .replace(/\s+/g, " ")
    .trim();
  if (snippet.length > SUMMARY_MAX_CHARS) snippet = snippet.slice(0, SUMMARY_MAX_CHARS) + "…";
  return snippet === "" ? `HTTP ${status}` : `HTTP ${status}: ${snippet}`;
}

function parseJson(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== "{" && first !== "[") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

interface StatusFields {
  code: Code;
  message: string;
  details: unknown;
}

function readStatus(status: number, parsed: unknown, text: string): StatusFields {
  let envelope: JsonObject | undefined;
  if (Array.isArray(parsed)) {
    for (const item of parsed) {
      if (isObject(item) && isObject(item["error"])) {
        envelope = item["error"];
        break;
      }
    }
  } else if (isObject(parsed) && isObject(parsed["error"])) {
    envelope = parsed["error"];
  }
  if (envelope !== undefined) {
    const name = envelope["status"];
    const message = envelope["message"];
    return {
      code: (typeof name === "string" ? codeFromStatusName(name) : undefined) ?? codeFromHttpStatus(status),
      message: typeof message === "string" ? message : summarize(status, ""),
      details: envelope["details"],
    };
  }
  if (isObject(parsed)) {
    const code = parsed["code"];
    const details = parsed["details"];
    if (
      typeof code === "number" &&
      Number.isInteger(code) &&
      code >= 0 &&
      code <= 16 &&
      (details === undefined || Array.isArray(details))
    ) {
      const message = parsed["message"];
      return {
        code: code === 0 ? codeFromHttpStatus(status) : (code as Code),
        message: typeof message === "string" ? message : summarize(status, ""),
        details,
      };
    }
  }
  const message = isObject(parsed) ? parsed["message"] : undefined;
  return {
    code: codeFromHttpStatus(status),
    message: typeof message === "string" ? message : summarize(status, text),
    details: undefined,
  };
}

/**
 * Turns an HTTP error response into a `ConnectError`: the code from the
 * Google envelope's `status`, a bare `google.rpc.Status` `code`, or the HTTP
 * status (Google client-library table); `rawMessage` is the server's message
 * as-is (a short `HTTP <status>: …` summary for non-JSON bodies); details in
 * proto3 JSON `Any` form become incoming details, so
 * `err.findDetails(ErrorInfoSchema)` works (details of unknown type are
 * dropped, never fatal); `metadata` holds the response headers.
 */
export function errorFromJsonBody(
  status: number,
  headers: Headers,
  body: Uint8Array,
  options?: ErrorJsonOptions,
): ConnectError {
  const text = new TextDecoder().decode(body);
  const fields = readStatus(status, parseJson(text), text);
  const error = new ConnectError(fields.message, fields.code, headers);
  if (Array.isArray(fields.details) && fields.details.length > 0) {
    const registry = errorDetailsRegistry(options?.registry);
    for (const item of fields.details) {
      const detail = decodeDetail(item, registry);
      if (detail !== undefined) error.details.push(detail);
    }
  }
  return error;
}

function detailToJson(
  detail: ConnectError["details"][number],
  registry: Registry,
): JsonObject | undefined {
  let desc: DescMessage | undefined;
  let json: JsonValue;
  try {
    if ("desc" in detail) {
      desc = detail.desc;
      json = toJson(desc, create(desc, detail.value), { registry });
    } else {
      desc = registry.getMessage(detail.type);
      if (desc === undefined) {
        return isObject(detail.debug)
          ? { ...detail.debug, "@type": TYPE_URL_PREFIX + detail.type }
          : undefined;
      }
      json = toJson(desc, fromBinary(desc, detail.value), { registry });
    }
  } catch {
    return undefined;
  }
  const typeUrl = TYPE_URL_PREFIX + desc.typeName;
  return isObject(json) && !desc.typeName.startsWith("google.protobuf.")
    ? { "@type": typeUrl, ...json }
    : { "@type": typeUrl, value: json };
}

/**
 * Encodes a `ConnectError` as Google's error envelope for a REST response:
 * `status` is the canonical HTTP status of the code, the body is
 * `{"error":{"code":<http>,"message":<rawMessage>,"status":"NAME","details":[…]}}`
 * with details as proto3 JSON `Any` (`@type: type.googleapis.com/…`).
 * Details whose type is not in the registry and that carry no JSON debug
 * form are left out.
 */
export function errorToJsonBody(
  err: ConnectError,
  options?: ErrorJsonOptions,
): { status: number; body: Uint8Array } {
  const status = httpStatusFromCode(err.code);
  const payload: JsonObject = {
    code: status,
    message: err.rawMessage,
    status: statusNameFromCode(err.code),
  };
  if (err.details.length > 0) {
    const registry = errorDetailsRegistry(options?.registry);
    const details: JsonObject[] = [];
    for (const detail of err.details) {
      const json = detailToJson(detail, registry);
      if (json !== undefined) details.push(json);
    }
    if (details.length > 0) payload["details"] = details;
  }
  return { status, body: new TextEncoder().encode(JSON.stringify({ error: payload })) };
}
