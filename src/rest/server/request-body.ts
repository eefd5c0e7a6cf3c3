/**
 * Decodes the JSON body of a transcoded REST request into the request
 * message.
 *
 * - An empty (or all-whitespace) body is no body: `{}` for `body: "*"`, the field left unset for
 *   `body: "<field>"` (so a reset call may be sent without a body).
 * - A non-empty body must be `application/json` (any parameters, charset
 *   UTF-8 if given) or come without `Content-Type`; anything else is 415.
 * - `body: "*"` reads the whole message (duplicate keys rejected);
 *   `body: "<field>"` reads the JSON of that field alone: an object for a
 *   message, a JSON scalar for a scalar, an array for a repeated field.
 * - Unknown fields are rejected (400), as Google's front end does.
 * - A body on a binding without `body` is 400.
 */
import {
  mergeFromJson,
  mergeFromJsonString,
  type DescField,
  type DescMessage,
  type JsonReadOptions,
  type JsonValue,
  type MessageShape,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { httpStatusError } from "./error-response.js";

/** The body rule of one binding. */
export interface BodyRules {
  input: DescMessage;
  /** "" (no body), "*" or the name of a top-level field. */
  body: string;
  /** The field named by `body`, if it names one. */
  bodyField: DescField | undefined;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Throws 415 unless `contentType` is absent or JSON in UTF-8. */
function checkContentType(contentType: string | null): void {
  if (contentType === null) return;
  const [mediaType = "", ...parameters] = contentType.split(";");
  let ok = mediaType.trim().toLowerCase() === "application/json";
  for (const parameter of parameters) {
    const eq = parameter.indexOf("=");
    if (eq < 0) continue;
    const name = parameter.slice(0, eq).trim().toLowerCase();
    const value = parameter.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1").toLowerCase();
    if (name === "charset" && value !== "utf-8" && value !== "utf8") ok = false;
  }
  if (!ok) {
    throw httpStatusError(
      415,
      "unsupported content type: the request body must be application/json",
      Code.InvalidArgument,
    );
  }
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Merges the request body into `message`. Throws a `ConnectError`
 * (`InvalidArgument`, HTTP 400) for bad JSON, unknown fields or a body on a
 * binding without one, and a 415 error ({@link httpStatusError}) for a non-JSON
 * content type.
 */
export function applyBody(
  rules: BodyRules,
  message: MessageShape<DescMessage>,
  body: Uint8Array,
  contentType: string | null,
  jsonOptions: Partial<JsonReadOptions>,
): void {
  if (body.byteLength === 0) return;
  if (rules.body === "") {
    throw new ConnectError("this method does not take a request body", Code.InvalidArgument);
  }
  checkContentType(contentType);
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw new ConnectError("invalid JSON body: not valid UTF-8", Code.InvalidArgument);
  }
  if (text.trim() === "") return;
  const options = { ...jsonOptions, ignoreUnknownFields: false };
  if (rules.bodyField === undefined) {
    try {
      mergeFromJsonString(rules.input, message, text, options);
    } catch (e) {
      throw new ConnectError(`invalid JSON body: ${describeError(e)}`, Code.InvalidArgument);
    }
    return;
  }
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new ConnectError(`invalid JSON body: ${describeError(e)}`, Code.InvalidArgument);
  }
  try {
    mergeFromJson(rules.input, message, { [rules.bodyField.jsonName]: json }, options);
  } catch (e) {
    throw new ConnectError(
      `invalid JSON body for field "${rules.bodyField.jsonName}": ${describeError(e)}`,
      Code.InvalidArgument,
    );
  }
}
