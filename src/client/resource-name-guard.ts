/**
 * Refuses resource names that try to leave their template before a call is
 * sent, on every protocol.
 *
 * The REST transport encodes any value spec-exactly (a `?` in a path
 * segment becomes `%3F` and can never start a query), so nothing reaches
 * another route. But a name such as `archiveJobs/1?alt=media`,
 * `archiveJobs/%2e%2e` or one with CR/LF is never a real Data Portability
 * resource name: it is a bug or an attack, and the client says so instead of
 * sending it. Resource names follow AIP-122: `/`-separated segments, no
 * empty, `.` or `..` segment, no query, fragment, escape or control
 * character.
 *
 * @module
 */

import {
  getOption,
  ScalarType,
  type DescField,
  type DescMessage,
  type DescMethodUnary,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { resource_reference } from "../../gen/google/api/resource_pb.js";

/** The string fields of a request that hold resource names (`google.api.resource_reference`). */
const nameFieldsCache = new WeakMap<DescMessage, readonly DescField[]>();

function nameFieldsOf(input: DescMessage): readonly DescField[] {
  let fields = nameFieldsCache.get(input);
  if (fields === undefined) {
    fields = input.fields.filter(
      (f) => f.fieldKind === "scalar" && f.scalar === ScalarType.STRING && getOption(f, resource_reference).type !== "",
    );
    nameFieldsCache.set(input, fields);
  }
  return fields;
}

/** Why `value` is not a resource name, or undefined when it is one. */
export function resourceNameProblem(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return "a control character (such as CR or LF)";
    if (c === 0x3f) return 'a "?" (a query)';
    if (c === 0x23) return 'a "#" (a fragment)';
    if (c === 0x25) return 'a "%" (an escape, e.g. %2e or %2F)';
  }
  for (const segment of value.split("/")) {
    if (segment === "") return "an empty segment";
    if (segment === "." || segment === "..") return `a "${segment}" segment`;
  }
  return undefined;
}

/** A short, printable form of a bad value: escaped, at most 80 characters. */
function shown(value: string): string {
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}…"` : json;
}

/**
 * The INVALID_ARGUMENT error of the first resource-name field of `input`
 * that is not a valid resource name, or undefined when all are fine (unset
 * fields are left to the API's own validation).
 */
export function resourceNameError<I extends DescMessage>(
  method: DescMethodUnary<I>,
  input: MessageInitShape<I>,
): ConnectError | undefined {
  const fields = nameFieldsOf(method.input);
  if (fields.length === 0) return undefined;
  for (const field of fields) {
    const value = (input as Record<string, unknown>)[field.localName];
    if (typeof value !== "string" || value === "") continue;
    const problem = resourceNameProblem(value);
    if (problem !== undefined) {
      return new ConnectError(
        `${method.name}: field "${field.name}" is not a resource name: ${shown(value)} contains ${problem}; nothing was sent`,
        Code.InvalidArgument,
      );
    }
  }
  return undefined;
}
