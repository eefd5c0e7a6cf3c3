/**
 * Request encoding for gRPC transcoding: a request message becomes an HTTP
 * method, a path with query string, and an optional JSON body, following the
 * method's `google.api.http` bindings.
 *
 * - Binding selection: the primary binding, then `additional_bindings` in
 *   order; the first whose path variables are all set, non-empty and fit
 *   their sub-templates wins (a single-segment value must not contain `/`).
 *   If none fits that way, the primary binding is used when it fits with
 *   `/` escaped as `%2F` inside single-segment values (the HttpRule text).
 *   Otherwise the call fails before anything is sent.
 * - Path values: every byte except `A-Z a-z 0-9 - . _ ~` is escaped
 *   (multi-segment variables keep `/`); `""`, `.` and `..` are refused.
 * - Query: every populated leaf not bound by the path and not in the body,
 *   in field-number order, depth-first, dotted JSON names, one pair per
 *   repeated element, proto3 JSON text values (enums by name, bytes base64url
 *   with padding, Timestamp/Duration/FieldMask/wrappers in JSON string form).
 *   Maps, repeated messages, Any, Struct, Value and ListValue are refused.
 * - Body: `*` sends the message minus path-bound fields, `<field>` that field's
 *   JSON alone (message, scalar or array), no body rule sends nothing.
 *
 * The plan of each method is computed once and cached.
 */
import {
  create,
  toJson,
  type DescField,
  type DescMessage,
  type DescMethod,
  type JsonObject,
  type JsonValue,
  type JsonWriteOptions,
  type Message,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { compileBindings, type CompiledBinding } from "./compiled-template.js";
import { enumText, readField, scalarText, wktText } from "./field-values.js";
import type { HttpBinding } from "./http-rule.js";
import type { TemplateSegment } from "./path-template.js";
import { encodePathSegment, encodeQueryComponent } from "./percent-encoding.js";
import { isDynamicWkt, isScalarLikeWkt } from "./wkt-scalars.js";

/** An encoded REST request. */
export interface RestRequest {
  /** HTTP method of the chosen binding ("GET", "POST", … or a custom kind). */
  httpMethod: string;
  /** Path and query string (starts with `/`), to append to the base URL. */
  path: string;
  /** The JSON body, or `undefined` when the binding has no body. */
  body: string | undefined;
  /** The binding that was used. */
  binding: HttpBinding;
  /** The response field named by the binding's `response_body`, if any. */
  responseBodyField: DescField | undefined;
}

/** Nested set of path-bound fields: a leaf is `true`. */
type PathTrie = Map<DescField, PathTrie | true>;

interface VariablePlan {
  /** Dotted proto field path. */
  name: string;
  fields: readonly DescField[];
  sub: readonly TemplateSegment[];
  /** Index of `**` in `sub`, or -1. */
  doubleStarAt: number;
  multi: boolean;
  /** `{name=sub}` for messages. */
  display: string;
}

interface BindingPlan {
  compiled: CompiledBinding;
  /** Literal path text and variable indexes, in order. */
  parts: readonly (string | number)[];
  /** The whole path when the template has no variables. */
  staticPath: string | undefined;
  variables: readonly VariablePlan[];
  /** The template has a `*` that no variable binds: the client cannot fill it. */
  unboundStar: boolean;
  pathTrie: PathTrie | undefined;
  bodyKind: "none" | "all" | "field";
  bodyField: DescField | undefined;
}

interface MethodPlan {
  name: string;
  input: DescMessage;
  emptyInput: boolean;
  bindings: readonly BindingPlan[];
}

/** A reason why a binding does not fit a message. */
class Misfit {
  constructor(readonly reason: string) {}
}

const plans = new WeakMap<DescMethod, MethodPlan>();
const sortedFieldsCache = new WeakMap<DescMessage, readonly DescField[]>();

function sortedFields(desc: DescMessage): readonly DescField[] {
  let fields = sortedFieldsCache.get(desc);
  if (fields === undefined) {
    fields = [...desc.fields].sort((a, b) => a.number - b.number);
    sortedFieldsCache.set(desc, fields);
  }
  return fields;
}

function segmentText(s: TemplateSegment): string {
  return s.kind === "literal" ? s.value : s.kind === "star" ? "*" : "**";
}

function planBinding(compiled: CompiledBinding): BindingPlan {
  const { binding } = compiled;
  const template = binding.template;
  const parts: (string | number)[] = [];
  let text = "";
  let unboundStar = false;
  let pathTrie: PathTrie | undefined;
  const variables: VariablePlan[] = [];
  let next = 0;
  for (let i = 0; i < template.segments.length; ) {
    const variable = compiled.variables[next];
    if (variable !== undefined && variable.start === i) {
      const sub = template.segments.slice(variable.start, variable.end);
      const name = variable.fieldPath.join(".");
      variables.push({
        name,
        fields: variable.fields,
        sub,
        doubleStarAt: sub.findIndex((s) => s.kind === "doubleStar"),
        multi: variable.multiSegment,
        display: `{${name}=${sub.map(segmentText).join("/")}}`,
      });
      parts.push(text + "/", next);
      text = "";
      pathTrie ??= new Map();
      let node = pathTrie;
      variable.fields.forEach((field, k) => {
        if (k === variable.fields.length - 1) {
          node.set(field, true);
          return;
        }
        let child = node.get(field);
        if (child === undefined || child === true) {
          child = new Map();
          node.set(field, child);
        }
        node = child;
      });
      next++;
      i = variable.end;
      continue;
    }
    const segment = template.segments[i]!;
    if (segment.kind === "literal") text += "/" + segment.value;
    else if (segment.kind === "star") unboundStar = true;
    // An unbound `**` expands to zero segments.
    i++;
  }
  if (template.verb !== undefined) text += ":" + template.verb;
  if (text !== "" || parts.length === 0) parts.push(text === "" ? "/" : text);
  return {
    compiled,
    parts,
    staticPath: variables.length === 0 ? parts.join("") : undefined,
    variables,
    unboundStar,
    pathTrie,
    bodyKind: binding.body === "" ? "none" : binding.body === "*" ? "all" : "field",
    bodyField: compiled.bodyField,
  };
}

function getPlan(method: DescMethod): MethodPlan {
  let plan = plans.get(method);
  if (plan === undefined) {
    plan = {
      name: `${method.parent.typeName}.${method.name}`,
      input: method.input,
      emptyInput: method.input.fields.length === 0,
      bindings: compileBindings(method).map(planBinding),
    };
    plans.set(method, plan);
  }
  return plan;
}

/** The text of a path variable's leaf, or a misfit when it is unset. */
function pathValue(message: Message, variable: VariablePlan): string | Misfit {
  let current: unknown = message;
  const last = variable.fields.length - 1;
  for (let i = 0; i < last; i++) {
    current = readField(current as Message, variable.fields[i]!);
    if (current === undefined) return new Misfit(`path variable "${variable.name}" is not set`);
  }
  const leaf = variable.fields[last]!;
  const value = readField(current as Message, leaf);
  if (value === undefined) return new Misfit(`path variable "${variable.name}" is empty or not set`);
  switch (leaf.fieldKind) {
    case "scalar":
      return scalarText(leaf.scalar, value);
    case "enum":
      return enumText(leaf.enum, value as number);
    case "message":
      try {
        return wktText(leaf.message, value as Message);
      } catch (e) {
        return new Misfit(`path variable "${variable.name}": ${e instanceof Error ? e.message : String(e)}`);
      }
  }
  return new Misfit(`path variable "${variable.name}" has no scalar form`);
}

function isDotSegment(piece: string): boolean {
  return piece === "." || piece === "..";
}

/** Escapes a path value into its variable, or explains why it does not fit. */
function expand(variable: VariablePlan, text: string, strict: boolean): string | Misfit {
  if (text === "") return new Misfit(`path variable "${variable.name}" is empty`);
  if (!variable.multi) {
    if (isDotSegment(text)) {
      return new Misfit(`path variable "${variable.name}" must not be "${text}"`);
    }
    if (strict && text.includes("/")) {
      return new Misfit(`path variable "${variable.name}" contains '/' but ${variable.display} takes one segment`);
    }
    return encodePathSegment(text);
  }
  const pieces = text.split("/");
  const sub = variable.sub;
  const ds = variable.doubleStarAt;
  if (ds < 0 ? pieces.length !== sub.length : pieces.length < sub.length - 1) {
    return new Misfit(`value "${text}" of "${variable.name}" does not fit ${variable.display}`);
  }
  const tailStart = pieces.length - (sub.length - 1 - ds);
  let out = "";
  for (let j = 0; j < pieces.length; j++) {
    const piece = pieces[j]!;
    const segment =
      ds < 0 || j < ds ? sub[j]! : j >= tailStart ? sub[j - pieces.length + sub.length]! : sub[ds]!;
    const encoded = encodePathSegment(piece);
    if (segment.kind === "literal") {
      if (encoded !== segment.value) {
        return new Misfit(`value "${text}" of "${variable.name}" does not fit ${variable.display}`);
      }
    } else if (piece === "" || isDotSegment(piece)) {
      return new Misfit(
        `value "${text}" of "${variable.name}" has an empty, "." or ".." segment`,
      );
    }
    out += j === 0 ? encoded : "/" + encoded;
  }
  return out;
}

function buildPath(plan: BindingPlan, message: Message, strict: boolean): string | Misfit {
  if (plan.unboundStar) {
    return new Misfit(`${plan.compiled.binding.pathText} has a '*' that is bound to no field`);
  }
  if (plan.staticPath !== undefined) return plan.staticPath;
  let out = "";
  for (const part of plan.parts) {
    if (typeof part === "string") {
      out += part;
      continue;
    }
    const variable = plan.variables[part]!;
    const value = pathValue(message, variable);
    if (value instanceof Misfit) return value;
    const expanded = expand(variable, value, strict);
    if (expanded instanceof Misfit) return expanded;
    out += expanded;
  }
  return out;
}

function queryError(plan: MethodPlan, field: DescField, why: string): ConnectError {
  return new ConnectError(
    `cannot encode ${plan.name} for REST: field "${field.parent.typeName}.${field.name}" ${why}`,
    Code.InvalidArgument,
  );
}

function leafQueryText(plan: MethodPlan, field: DescField, desc: DescMessage, value: Message): string {
  try {
    return wktText(desc, value);
  } catch (e) {
    throw queryError(plan, field, `has no valid JSON form: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Appends `key=value` pairs of the populated leaves of `message` to `query`. */
function appendQuery(
  plan: MethodPlan,
  desc: DescMessage,
  message: Message,
  prefix: string,
  trie: PathTrie | undefined,
  skip: DescField | undefined,
  query: string,
): string {
  for (const field of sortedFields(desc)) {
    if (field === skip) continue;
    const bound = trie?.get(field);
    if (bound === true) continue;
    const value = readField(message, field);
    if (value === undefined) continue;
    const key = prefix + encodeQueryComponent(field.jsonName);
    switch (field.fieldKind) {
      case "scalar":
        query += (query === "" ? "?" : "&") + key + "=" + encodeQueryComponent(scalarText(field.scalar, value));
        break;
      case "enum":
        query += (query === "" ? "?" : "&") + key + "=" + encodeQueryComponent(enumText(field.enum, value as number));
        break;
      case "map":
        throw queryError(plan, field, "is a map; map fields cannot be sent as query parameters");
      case "list":
        for (const item of value as unknown[]) {
          let text: string;
          if (field.listKind === "scalar") text = scalarText(field.scalar, item);
          else if (field.listKind === "enum") text = enumText(field.enum, item as number);
          else throw queryError(plan, field, "is a repeated message; it cannot be sent as query parameters");
          query += (query === "" ? "?" : "&") + key + "=" + encodeQueryComponent(text);
        }
        break;
      case "message":
        if (isScalarLikeWkt(field.message)) {
          const text = leafQueryText(plan, field, field.message, value as Message);
          query += (query === "" ? "?" : "&") + key + "=" + encodeQueryComponent(text);
        } else if (isDynamicWkt(field.message)) {
          throw queryError(plan, field, `is a ${field.message.typeName}; it cannot be sent as query parameters`);
        } else {
          query = appendQuery(plan, field.message, value as Message, key + ".", bound, undefined, query);
        }
        break;
    }
  }
  return query;
}

function jsonKey(field: DescField, options: Partial<JsonWriteOptions> | undefined): string {
  return options?.useProtoFieldName === true ? field.name : field.jsonName;
}

/** Removes path-bound leaves (and parents left empty) from a JSON object. */
function stripPathFields(
  json: JsonObject,
  trie: PathTrie,
  options: Partial<JsonWriteOptions> | undefined,
): void {
  for (const [field, child] of trie) {
    const key = jsonKey(field, options);
    if (child === true) {
      delete json[key];
      continue;
    }
    const nested = json[key];
    if (typeof nested === "object" && nested !== null && !Array.isArray(nested)) {
      stripPathFields(nested, child, options);
      if (Object.keys(nested).length === 0) delete json[key];
    }
  }
}

function encodeBody(
  plan: MethodPlan,
  binding: BindingPlan,
  message: Message,
  options: Partial<JsonWriteOptions> | undefined,
): string | undefined {
  switch (binding.bodyKind) {
    case "none":
      return undefined;
    case "all": {
      if (plan.emptyInput) return "{}";
      const json = toJson(plan.input, message, options);
      if (binding.pathTrie !== undefined && typeof json === "object" && json !== null && !Array.isArray(json)) {
        stripPathFields(json, binding.pathTrie, options);
      }
      return JSON.stringify(json);
    }
    case "field": {
      const field = binding.bodyField!;
      if (field.fieldKind === "message") {
        const value = readField(message, field) as Message | undefined;
        return JSON.stringify(toJson(field.message, value ?? create(field.message), options));
      }
      const only = create(plan.input) as unknown as Record<string, unknown>;
      const source = message as unknown as Record<string, unknown>;
      const property = field.oneof?.localName ?? field.localName;
      only[property] = source[property];
      const json = toJson(plan.input, only as unknown as Message, { ...options, alwaysEmitImplicit: true }) as JsonObject;
      return JSON.stringify((json[jsonKey(field, options)] ?? null) satisfies JsonValue);
    }
  }
}

function build(
  plan: MethodPlan,
  binding: BindingPlan,
  path: string,
  message: Message,
  options: Partial<JsonWriteOptions> | undefined,
): RestRequest {
  const query =
    binding.bodyKind === "all"
      ? ""
      : appendQuery(plan, plan.input, message, "", binding.pathTrie, binding.bodyField, "");
  let body: string | undefined;
  try {
    body = encodeBody(plan, binding, message, options);
  } catch (e) {
    // protobuf-es refuses values without a JSON form (a Timestamp out of
    // range, negative nanos, an Any of an unknown type) with a plain Error.
    throw new ConnectError(
      `cannot encode ${plan.name} for REST: the request body has no valid JSON form: ${e instanceof Error ? e.message : String(e)}`,
      Code.InvalidArgument,
    );
  }
  return {
    httpMethod: binding.compiled.binding.httpMethod,
    path: query === "" ? path : path + query,
    body,
    binding: binding.compiled.binding,
    responseBodyField: binding.compiled.responseBodyField,
  };
}

/**
 * Encodes a request message of `method` as a REST request following its
 * `google.api.http` bindings (see the module comment for the rules).
 * `options` are the proto3 JSON write options of the body. Throws a
 * `ConnectError`: `InvalidArgument` when no binding fits the message (unset,
 * empty, `.`/`..` or non-matching path values) or a populated field cannot
 * be sent as a query parameter; `Unimplemented` when the method has no
 * `google.api.http` annotation.
 */
export function encodeRestRequest(
  method: DescMethod,
  message: Message,
  options?: Partial<JsonWriteOptions>,
): RestRequest {
  const plan = getPlan(method);
  const bindings = plan.bindings;
  const first = bindings[0];
  if (first === undefined) {
    throw new ConnectError(
      `${plan.name} has no google.api.http annotation and cannot be called over REST`,
      Code.Unimplemented,
    );
  }
  if (first.staticPath !== undefined && !first.unboundStar) {
    return build(plan, first, first.staticPath, message, options);
  }
  for (const binding of bindings) {
    const path = buildPath(binding, message, true);
    if (typeof path === "string") return build(plan, binding, path, message, options);
  }
  const path = buildPath(first, message, false);
  if (typeof path === "string") return build(plan, first, path, message, options);
  const others = bindings.length > 1 ? `; none of the ${bindings.length - 1} additional bindings fits either` : "";
  throw new ConnectError(
    `cannot encode ${plan.name} for REST (${first.compiled.binding.httpMethod} ${first.compiled.binding.pathText}): ${path.reason}${others}`,
    Code.InvalidArgument,
  );
}
