/**
 * Percent-encoding for gRPC transcoding (RFC 3986, HttpRule text).
 *
 * Encoding keeps only the unreserved set `A-Z a-z 0-9 - . _ ~` and escapes
 * every other UTF-8 byte as upper-case `%XX`. Unlike `encodeURIComponent`,
 * `!*'()` are escaped too. Decoding is strict: a malformed escape or an
 * escape sequence that is not valid UTF-8 is an error.
 */
import { Code, ConnectError } from "@connectrpc/connect";

const HEX = "0123456789ABCDEF";

/** `true` for the ASCII codes that stay raw (unreserved set). */
const UNRESERVED: readonly boolean[] = (() => {
  const table: boolean[] = [];
  for (let c = 0; c < 128; c++) {
    table.push(
      (c >= 0x30 && c <= 0x39) || // 0-9
        (c >= 0x41 && c <= 0x5a) || // A-Z
        (c >= 0x61 && c <= 0x7a) || // a-z
        c === 0x2d || // -
        c === 0x2e || // .
        c === 0x5f || // _
        c === 0x7e, // ~
    );
  }
  return table;
})();

function escapeByte(byte: number): string {
  return "%" + HEX[byte >> 4]! + HEX[byte & 15]!;
}

/** The escape of each ASCII code (empty for unreserved ones). */
const ASCII_ESCAPES: readonly string[] = Array.from({ length: 128 }, (_, c) =>
  UNRESERVED[c] === true ? "" : escapeByte(c),
);

/**
 * Escapes a string, keeping `/` raw when `keepSlash` is set. Lone UTF-16
 * surrogates are encoded as U+FFFD, as `TextEncoder` does.
 */
function encode(value: string, keepSlash: boolean): string {
  const length = value.length;
  let i = 0;
  // Fast path: most values are entirely unreserved.
  for (; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || (UNRESERVED[c] !== true && !(keepSlash && c === 0x2f))) break;
  }
  if (i === length) return value;
  let out = value.slice(0, i);
  for (; i < length; i++) {
    let c = value.charCodeAt(i);
    if (c < 128) {
      out += UNRESERVED[c] === true || (keepSlash && c === 0x2f) ? value[i]! : ASCII_ESCAPES[c]!;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < length ? value.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x800) {
      out += escapeByte(0xc0 | (c >> 6)) + escapeByte(0x80 | (c & 63));
    } else if (c < 0x10000) {
      out +=
        escapeByte(0xe0 | (c >> 12)) +
        escapeByte(0x80 | ((c >> 6) & 63)) +
        escapeByte(0x80 | (c & 63));
    } else {
      out +=
        escapeByte(0xf0 | (c >> 18)) +
        escapeByte(0x80 | ((c >> 12) & 63)) +
        escapeByte(0x80 | ((c >> 6) & 63)) +
        escapeByte(0x80 | (c & 63));
    }
  }
  return out;
}

/**
 * Escapes a single-segment path value (`{var}` / `{var=*}`): every UTF-8 byte
 * except `A-Z a-z 0-9 - . _ ~` becomes `%XX`, including `/`.
 */
export function encodePathSegment(value: string): string {
  return encode(value, false);
}

/**
 * Escapes a multi-segment path value (`{var=a/*}`, `{var=**}`): like
 * {@link encodePathSegment} but `/` separators are kept raw. A `%` is always
 * escaped to `%25`, so an existing `%2F` becomes `%252F`.
 */
export function encodePathSegments(value: string): string {
  return encode(value, true);
}

/**
 * Escapes a query key or value: the same set as {@link encodePathSegment}
 * (`/` → `%2F`, space → `%20`, `+` → `%2B`, `=` → `%3D`).
 */
export function encodeQueryComponent(value: string): string {
  return encode(value, false);
}

/** Options of {@link percentDecode}. */
export interface PercentDecodeOptions {
  /** Keep `%2F`/`%2f` encoded (normalised to `%2F`): multi-segment path captures. */
  keepEncodedSlash?: boolean;
  /** Read `+` as a space: query keys and values. */
  plusAsSpace?: boolean;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function malformed(text: string, position: number, why: string): ConnectError {
  const shown = text.length > 80 ? text.slice(0, 80) + "…" : text;
  return new ConnectError(
    `malformed percent-encoding in "${shown}" at position ${position}: ${why}`,
    Code.InvalidArgument,
  );
}

/**
 * Strictly decodes a percent-encoded string. Throws a `ConnectError` with
 * `Code.InvalidArgument` for a truncated or non-hex escape, or when the
 * decoded bytes are not valid UTF-8. `+` stays a plus unless
 * `options.plusAsSpace` is set.
 */
export function percentDecode(text: string, options?: PercentDecodeOptions): string {
  const keepSlash = options?.keepEncodedSlash === true;
  const plusAsSpace = options?.plusAsSpace === true;
  if (text.indexOf("%") < 0) {
    return plusAsSpace && text.indexOf("+") >= 0 ? text.replaceAll("+", " ") : text;
  }
  let out = "";
  let bytes: number[] | undefined;
  let bytesStart = 0;
  const flush = (): void => {
    if (bytes === undefined) return;
    try {
      out += strictUtf8.decode(new Uint8Array(bytes));
    } catch {
      throw malformed(text, bytesStart, "escapes are not valid UTF-8");
    }
    bytes = undefined;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= text.length) throw malformed(text, i, "truncated escape");
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) throw malformed(text, i, "not a hex escape");
      const byte = (hi << 4) | lo;
      if (keepSlash && byte === 0x2f) {
        flush();
        out += "%2F";
      } else {
        if (bytes === undefined) {
          bytes = [];
          bytesStart = i;
        }
        bytes.push(byte);
      }
      i += 2;
      continue;
    }
    flush();
    out += plusAsSpace && c === 0x2b ? " " : text[i]!;
  }
  flush();
  return out;
}
