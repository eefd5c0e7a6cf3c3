/**
 * Resolves the field paths of an HTTP binding against the request and
 * response schemas of its method, once per binding.
 */
import type { DescField, DescMessage, DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { getHttpBindings, type HttpBinding } from "./http-rule.js";
import type { TemplateVariable } from "./path-template.js";
import { isScalarLikeWkt } from "./wkt-scalars.js";

/** A template variable with its field path resolved to descriptors (outermost first). */
export interface CompiledVariable extends TemplateVariable {
  /** The fields along `fieldPath`: singular messages, then a scalar, enum or scalar-like WKT leaf. */
  fields: readonly DescField[];
}

/** An HTTP binding validated against the method's schemas. */
export interface CompiledBinding {
  /** The method the binding belongs to. */
  method: DescMethod;
  /** The binding as read from the rule. */
  binding: HttpBinding;
  /** Variables in template order, resolved. */
  variables: readonly CompiledVariable[];
  /** The top-level request field named by `body`, `undefined` for "" and "*". */
  bodyField: DescField | undefined;
  /** The top-level response field named by `response_body`, or `undefined`. */
  responseBodyField: DescField | undefined;
}

function methodName(method: DescMethod): string {
  return `${method.parent.typeName}.${method.name}`;
}

function bindingError(method: DescMethod, binding: HttpBinding, why: string): ConnectError {
  return new ConnectError(
    `invalid google.api.http rule on ${methodName(method)} (${binding.httpMethod} ${binding.pathText}): ${why}`,
    Code.InvalidArgument,
  );
}

/** Finds a field by its proto name. */
function fieldByName(message: DescMessage, name: string): DescField | undefined {
  for (const field of message.fields) {
    if (field.name === name) return field;
  }
  return undefined;
}

function resolveVariable(
  method: DescMethod,
  binding: HttpBinding,
  variable: TemplateVariable,
): CompiledVariable {
  const fields: DescField[] = [];
  let message: DescMessage = method.input;
  const path = variable.fieldPath.join(".");
  variable.fieldPath.forEach((name, i) => {
    const field = fieldByName(message, name);
    if (field === undefined) {
      throw bindingError(method, binding, `path variable "${path}": ${message.typeName} has no field "${name}"`);
    }
    fields.push(field);
    const last = i === variable.fieldPath.length - 1;
    if (field.fieldKind === "list" || field.fieldKind === "map") {
      throw bindingError(method, binding, `path variable "${path}": field "${name}" is a ${field.fieldKind === "map" ? "map" : "repeated"} field`);
    }
    if (!last) {
      if (field.fieldKind !== "message") {
        throw bindingError(method, binding, `path variable "${path}": field "${name}" is not a message`);
      }
      message = field.message;
      return;
    }
    if (field.fieldKind === "message" && !isScalarLikeWkt(field.message)) {
      throw bindingError(method, binding, `path variable "${path}": field "${name}" of type ${field.message.typeName} has no scalar form`);
    }
  });
  return Object.freeze({ ...variable, fields: Object.freeze(fields) });
}

function compile(method: DescMethod, binding: HttpBinding): CompiledBinding {
  const variables = binding.template.variables.map((v) => resolveVariable(method, binding, v));
  let bodyField: DescField | undefined;
  if (binding.body !== "" && binding.body !== "*") {
    bodyField = fieldByName(method.input, binding.body);
    if (bodyField === undefined) {
      throw bindingError(method, binding, `body "${binding.body}" is not a top-level field of ${method.input.typeName}`);
    }
  }
  let responseBodyField: DescField | undefined;
  if (binding.responseBody !== "") {
    responseBodyField = fieldByName(method.output, binding.responseBody);
    if (responseBodyField === undefined) {
      throw bindingError(method, binding, `response_body "${binding.responseBody}" is not a top-level field of ${method.output.typeName}`);
    }
  }
  return Object.freeze({
    method,
    binding,
    variables: Object.freeze(variables),
    bodyField,
    responseBodyField,
  });
}

const cache = new WeakMap<HttpBinding, CompiledBinding | ConnectError>();

/**
 * Resolves and validates a binding of `method` (computed once per binding):
 * every variable's field path must exist, run through singular message
 * fields and end in a singular scalar, enum or scalar-like WKT (Timestamp,
 * Duration, FieldMask, wrappers); `body` must be "", "*" or a top-level
 * request field; `response_body` a top-level response field. Throws a
 * `ConnectError` (`InvalidArgument`) naming the method and field otherwise.
 */
export function compileBinding(method: DescMethod, binding: HttpBinding): CompiledBinding {
  let entry = cache.get(binding);
  if (entry !== undefined && !(entry instanceof ConnectError) && entry.method !== method) {
    return compile(method, binding);
  }
  if (entry === undefined) {
    try {
      entry = compile(method, binding);
    } catch (e) {
      entry = ConnectError.from(e, Code.InvalidArgument);
    }
    cache.set(binding, entry);
  }
  if (entry instanceof ConnectError) throw entry;
  return entry;
}

/**
 * All bindings of a method, compiled (see {@link getHttpBindings} and
 * {@link compileBinding}). `[]` when the method has no annotation.
 */
export function compileBindings(method: DescMethod): readonly CompiledBinding[] {
  return getHttpBindings(method).map((b) => compileBinding(method, b));
}
