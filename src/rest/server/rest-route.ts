/**
 * One served HTTP binding: everything precomputed at construction time, and
 * the per-request steps (decode the request message, encode the response).
 */
import {
  create,
  toJson,
  type DescField,
  type DescMessage,
  type DescMethodUnary,
  type JsonObject,
  type JsonReadOptions,
  type JsonValue,
  type JsonWriteOptions,
  type MessageShape,
  type Registry,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor, type MethodImplSpec } from "@connectrpc/connect";
import type { CompiledBinding } from "../compiled-template.js";
import { percentDecode } from "../percent-encoding.js";
import { setLeafFromText } from "./leaf-from-text.js";
import { applyQuery, type QueryRules } from "./query-params.js";
import { applyBody, type BodyRules } from "./request-body.js";
import { captureRange } from "./route-table.js";

/** A unary implementation spec. */
export type UnarySpec = MethodImplSpec & { kind: "unary" };

/** Per-route settings taken from the handler and registration options. */
export interface RouteSettings {
  interceptors: Interceptor[];
  registry: Registry | undefined;
  readOptions: Partial<JsonReadOptions>;
  writeOptions: Partial<JsonWriteOptions>;
  shutdownSignal: AbortSignal | undefined;
  maxTimeoutMs: number;
}

interface PathVariable {
  fields: readonly DescField[];
  label: string;
  multiSegment: boolean;
  range: (count: number) => [number, number];
}

/** A compiled route. */
export interface RestRoute {
  method: DescMethodUnary;
  spec: UnarySpec;
  binding: CompiledBinding;
  settings: RouteSettings;
  /** "Service.Method (GET /v1/…)", for messages. */
  description: string;
  queryRules: QueryRules;
  bodyRules: BodyRules;
  variables: readonly PathVariable[];
  /** Key of the `response_body` field in the output JSON. */
  responseKey: string | undefined;
  /** JSON of the `response_body` field when it is unset. */
  responseDefault: JsonValue;
}

/** Precomputes a route for one binding of an implemented unary method. */
export function compileRoute(
  spec: UnarySpec,
  binding: CompiledBinding,
  settings: RouteSettings,
): RestRoute {
  const method = spec.method;
  const template = binding.binding.template;
  const variables = binding.variables.map((v) => ({
    fields: v.fields,
    label: `path variable "${v.fieldPath.join(".")}"`,
    multiSegment: v.multiSegment,
    range: captureRange(template, v.start, v.end),
  }));
  const responseField = binding.responseBodyField;
  let responseKey: string | undefined;
  let responseDefault: JsonValue = null;
  if (responseField !== undefined) {
    responseKey =
      settings.writeOptions.useProtoFieldName === true ? responseField.name : responseField.jsonName;
    const empty = toJson(method.output, create(method.output), {
      ...settings.writeOptions,
      alwaysEmitImplicit: true,
    }) as JsonObject;
    responseDefault = empty[responseKey] ?? (responseField.fieldKind === "message" ? {} : null);
  }
  return {
    method,
    spec,
    binding,
    settings,
    description: `${method.parent.typeName}.${method.name} (${binding.binding.httpMethod} ${binding.binding.pathText})`,
    queryRules: {
      input: method.input,
      bodyIsWholeMessage: binding.binding.body === "*",
      bodyField: binding.bodyField,
      pathBound: new Set(binding.variables.map((v) => v.fieldPath.join("."))),
    },
    bodyRules: { input: method.input, body: binding.binding.body, bodyField: binding.bodyField },
    variables,
    responseKey,
    responseDefault,
  };
}

/**
 * Builds the request message: the body first, then query parameters, then
 * path variables (so path values win over the body). Throws a
 * `ConnectError` (`InvalidArgument`, or 415 for a non-JSON body).
 */
export function decodeRequest(
  route: RestRoute,
  segments: readonly string[],
  rawQuery: string,
  body: Uint8Array,
  contentType: string | null,
): MessageShape<DescMessage> {
  const input = route.method.input;
  const message = create(input);
  const options = route.settings.readOptions;
  applyBody(route.bodyRules, message, body, contentType, options);
  applyQuery(route.queryRules, message, rawQuery, options);
  for (const variable of route.variables) {
    const [from, to] = variable.range(segments.length);
    const raw = variable.multiSegment ? segments.slice(from, to).join("/") : segments[from]!;
    let text: string;
    try {
      text = percentDecode(raw, { keepEncodedSlash: variable.multiSegment });
    } catch {
      throw new ConnectError(`malformed percent-encoding in ${variable.label}`, Code.InvalidArgument);
    }
    setLeafFromText(input, message, variable.fields, text, variable.label, options);
  }
  return message;
}

const encoder = new TextEncoder();

/** The response body: proto3 JSON of the output, or of its `response_body` field. */
export function encodeResponse(route: RestRoute, output: MessageShape<DescMessage>): Uint8Array {
  let json = toJson(route.method.output, output, route.settings.writeOptions);
  if (route.responseKey !== undefined) {
    json = (json as JsonObject)[route.responseKey] ?? route.responseDefault;
  }
  return encoder.encode(JSON.stringify(json));
}
