/**
 * Decodes the query string of a transcoded REST request into request fields.
 *
 * - Keys are JSON or proto field names, dotted for nested fields
 *   (`sub.subfield`, `page_token`); keys and values are percent-decoded
 *   strictly, with `+` read as a space.
 * - A repeated field gets one element per occurrence; a singular field given
 *   twice, or two members of one oneof, is an error.
 * - Keys that do not name a field are 400 `INVALID_ARGUMENT`, except
 *   Google's system parameters ({@link isSystemParameter}), which are
 *   accepted and ignored (their values are not even decoded, so an
 *   `access_token` never reaches an error message).
 * - A key naming a path-bound field or the body field is an error; with
 *   `body: "*"` only system parameters are allowed.
 */
import type { DescField, DescMessage, JsonReadOptions, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { percentDecode } from "../percent-encoding.js";
import { isDynamicWkt, isScalarLikeWkt } from "../wkt-scalars.js";
import { isLeafField, setLeafFromText } from "./leaf-from-text.js";

/** Google API system parameters accepted (and ignored) in any query string. */
const SYSTEM_PARAMETERS: ReadonlySet<string> = new Set([
  "$.xgafv",
  "alt",
  "$alt",
  "prettyPrint",
  "$prettyPrint",
  "fields",
  "$fields",
  "key",
  "$key",
  "access_token",
  "oauth_token",
  "quotaUser",
  "callback",
  "$callback",
  "upload_protocol",
  "uploadType",
]);

/** `true` for a Google API system parameter name (`alt`, `access_token`, …). */
export function isSystemParameter(name: string): boolean {
  return SYSTEM_PARAMETERS.has(name);
}

/** How the query of one route may be used. */
export interface QueryRules {
  /** The request schema. */
  input: DescMessage;
  /** `body: "*"`: no field may come from the query. */
  bodyIsWholeMessage: boolean;
  /** The top-level field named by `body`, if any. */
  bodyField: DescField | undefined;
  /** Proto-name paths (`book.name`) of the fields bound by the path template. */
  pathBound: ReadonlySet<string>;
}

const fieldNames = new WeakMap<DescMessage, ReadonlyMap<string, DescField>>();

/** A message's fields by JSON name and by proto name (proto name wins a clash). */
function namesOf(message: DescMessage): ReadonlyMap<string, DescField> {
  let names = fieldNames.get(message);
  if (names === undefined) {
    const map = new Map<string, DescField>();
    for (const field of message.fields) map.set(field.jsonName, field);
    for (const field of message.fields) map.set(field.name, field);
    fieldNames.set(message, (names = map));
  }
  return names;
}

/** A query key resolved to a leaf field path, or why it cannot be. */
type ResolvedKey =
  | { fields: DescField[]; protoPath: string }
  | { unknown: true }
  | { invalid: string };

function resolveKey(input: DescMessage, key: string): ResolvedKey {
  const names = key.split(".");
  const fields: DescField[] = [];
  let message = input;
  for (let i = 0; i < names.length; i++) {
    const field = namesOf(message).get(names[i]!);
    if (field === undefined) return { unknown: true };
    fields.push(field);
    if (i === names.length - 1) break;
    if (
      field.fieldKind !== "message" ||
      isScalarLikeWkt(field.message) ||
      isDynamicWkt(field.message)
    ) {
      return { invalid: `"${shown(names.slice(0, i + 1).join("."))}" has no subfields that can be set from a query parameter` };
    }
    message = field.message;
  }
  const leaf = fields[fields.length - 1]!;
  if (!isLeafField(leaf)) {
    const kind =
      leaf.fieldKind === "map"
        ? "a map field"
        : leaf.fieldKind === "list"
          ? "a repeated message field"
          : leaf.fieldKind === "message" && !isDynamicWkt(leaf.message)
            ? "a message field (set its subfields with dotted names)"
            : "a field without a query form";
    return { invalid: `"${shown(key)}" is ${kind}` };
  }
  return { fields, protoPath: fields.map((f) => f.name).join(".") };
}

/** A query key as shown in error messages, shortened. */
function shown(key: string): string {
  return key.length > 100 ? key.slice(0, 100) + "…" : key;
}

function badQuery(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

function decodeComponent(raw: string, what: string): string {
  try {
    return percentDecode(raw, { plusAsSpace: true });
  } catch {
    throw badQuery(`malformed percent-encoding in ${what}`);
  }
}

/**
 * Applies the raw query string (without `?`) to `message`. Throws a
 * `ConnectError` (`InvalidArgument`) naming the offending parameter.
 */
export function applyQuery(
  rules: QueryRules,
  message: MessageShape<DescMessage>,
  rawQuery: string,
  jsonOptions: Partial<JsonReadOptions>,
): void {
  if (rawQuery === "") return;
  const seenSingular = new Set<string>();
  const seenOneofs = new Map<string, string>();
  for (const pair of rawQuery.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq), "a query parameter name");
    if (key === "") throw badQuery("empty query parameter name");
    const name = shown(key);
    const resolved = rules.bodyIsWholeMessage ? undefined : resolveKey(rules.input, key);
    if (resolved === undefined || !("fields" in resolved)) {
      if (isSystemParameter(key)) continue;
      if (resolved === undefined) {
        throw badQuery(
          `query parameter "${name}" is not allowed: all fields of ${rules.input.typeName} are taken from the request body`,
        );
      }
      throw badQuery(
        "invalid" in resolved
          ? `query parameter ${resolved.invalid}`
          : `unknown query parameter "${name}" for ${rules.input.typeName}`,
      );
    }
    const { fields, protoPath } = resolved;
    if (rules.bodyField !== undefined && fields[0] === rules.bodyField) {
      throw badQuery(`query parameter "${name}" names a field that is taken from the request body`);
    }
    if (rules.pathBound.has(protoPath)) {
      throw badQuery(`query parameter "${name}" names a field that is bound by the request path`);
    }
    const leaf = fields[fields.length - 1]!;
    if (leaf.fieldKind !== "list") {
      if (seenSingular.has(protoPath)) throw badQuery(`query parameter "${name}" is given more than once`);
      seenSingular.add(protoPath);
    }
    if (leaf.oneof !== undefined) {
      const parent = protoPath.slice(0, protoPath.length - leaf.name.length);
      const oneofKey = parent + "#" + leaf.oneof.name;
      const other = seenOneofs.get(oneofKey);
      if (other !== undefined && other !== protoPath) {
        throw badQuery(`query parameters "${other}" and "${protoPath}" set two members of one oneof`);
      }
      seenOneofs.set(oneofKey, protoPath);
    }
    const value = decodeComponent(eq < 0 ? "" : pair.slice(eq + 1), `the value of query parameter "${name}"`);
    setLeafFromText(rules.input, message, fields, value, `query parameter "${name}"`, jsonOptions);
  }
}
