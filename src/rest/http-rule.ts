/**
 * Reads the `google.api.http` annotation of a method into bindings.
 */
import { getOption, hasOption, type DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { http } from "../../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../gen/google/api/http_pb.js";
import { parsePathTemplate, type PathTemplate } from "./path-template.js";

/** One HTTP binding of a method: the primary rule or an additional binding. */
export interface HttpBinding {
  /** "GET", "PUT", "POST", "DELETE", "PATCH", or the kind of a custom pattern as written. */
  httpMethod: string;
  /** The parsed path template. */
  template: PathTemplate;
  /** The path template text as written in the rule. */
  pathText: string;
  /** "" (no body), "*" (whole message) or the name of a top-level request field. */
  body: string;
  /** "" (whole response) or the name of a top-level response field. */
  responseBody: string;
  /** 0 for the primary rule, 1.. for `additional_bindings` in order. */
  index: number;
}

const cache = new WeakMap<DescMethod, readonly HttpBinding[] | ConnectError>();

function ruleError(method: DescMethod, why: string, cause?: unknown): ConnectError {
  return new ConnectError(
    `invalid google.api.http rule on ${method.parent.typeName}.${method.name}: ${why}`,
    Code.InvalidArgument,
    undefined,
    undefined,
    cause,
  );
}

function toBinding(method: DescMethod, rule: HttpRule, index: number): HttpBinding {
  let httpMethod: string;
  let pathText: string;
  switch (rule.pattern.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      httpMethod = rule.pattern.case.toUpperCase();
      pathText = rule.pattern.value;
      break;
    case "custom":
      httpMethod = rule.pattern.value.kind;
      pathText = rule.pattern.value.path;
      if (httpMethod === "") throw ruleError(method, `binding ${index} has a custom pattern without kind`);
      break;
    default:
      throw ruleError(method, `binding ${index} has no HTTP method and path`);
  }
  let template: PathTemplate;
  try {
    template = parsePathTemplate(pathText);
  } catch (e) {
    const why = e instanceof ConnectError ? e.rawMessage : String(e);
    throw ruleError(method, `binding ${index}: ${why}`, e);
  }
  return Object.freeze({
    httpMethod,
    template,
    pathText,
    body: rule.body,
    responseBody: rule.responseBody,
    index,
  });
}

function readBindings(method: DescMethod): readonly HttpBinding[] {
  if (!hasOption(method, http)) return Object.freeze([]);
  const rule = getOption(method, http);
  const bindings = [toBinding(method, rule, 0)];
  rule.additionalBindings.forEach((extra, i) => {
    if (extra.additionalBindings.length > 0) {
      throw ruleError(method, `additional binding ${i + 1} nests additional_bindings`);
    }
    bindings.push(toBinding(method, extra, i + 1));
  });
  return Object.freeze(bindings);
}

/**
 * The HTTP bindings of a method from its `google.api.http` option: the
 * primary rule first, then `additional_bindings` in order. Returns `[]` when
 * the method has no annotation. Throws a `ConnectError` (`InvalidArgument`)
 * for a malformed rule (bad template, missing pattern, nested
 * `additional_bindings`). Computed once per method.
 */
export function getHttpBindings(method: DescMethod): readonly HttpBinding[] {
  let entry = cache.get(method);
  if (entry === undefined) {
    try {
      entry = readBindings(method);
    } catch (e) {
      entry = e instanceof ConnectError ? e : ruleError(method, String(e), e);
    }
    cache.set(method, entry);
  }
  if (entry instanceof ConnectError) throw entry;
  return entry;
}
