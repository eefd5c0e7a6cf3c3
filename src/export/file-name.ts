/**
 * Safe local file names for archive files, derived from signed URLs.
 *
 * @module
 */

// Characters that are path separators, reserved on Windows, or control codes.
// eslint-disable-next-line no-control-regex
const unsafeChars = /[\u0000-\u001f\u007f<>:"/\\|?*]/g;
const windowsReserved = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
const maxNameBytes = 200;

/**
 * Turns an arbitrary string into a single, harmless file name component:
 * no separators (so no path traversal), no control or Windows-reserved
 * characters, no leading dots (no `..`, no hidden files), no trailing dots or
 * spaces, no Windows device names, at most 200 UTF-8 bytes (the extension is
 * kept). Returns `""` when nothing usable is left.
 */
export function sanitizeFileName(name: string): string {
  let safe = name.normalize("NFC").replace(unsafeChars, "_");
  // The lookbehind keeps the trailing trim linear (a plain /[.\s]+$/ is quadratic on "a....x").
  safe = safe.replace(/^[.\s]+/, "").replace(/(?<![.\s])[.\s]+$/, "");
  if (safe === "" || /^_+$/.test(safe)) return "";
  if (windowsReserved.test(safe)) safe = `_${safe}`;
  return truncateUtf8(safe, maxNameBytes);
}

/**
 * The file name of a download URL: the last path segment, percent-decoded
 * and sanitized with {@link sanitizeFileName}. `fallback` is used when the
 * URL has no usable last segment.
 */
export function fileNameFromUrl(url: string, fallback: string): string {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return fallback;
  }
  const last = pathname.slice(pathname.lastIndexOf("/") + 1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    decoded = last;
  }
  // A decoded "%2F" or "\" must not act as a separator: keep only the tail.
  const tail = decoded.slice(Math.max(decoded.lastIndexOf("/"), decoded.lastIndexOf("\\")) + 1);
  return sanitizeFileName(tail) || fallback;
}

/**
 * `name` if it is not in `taken`, else the first free `stem-2.ext`,
 * `stem-3.ext`, ... Adds the result to `taken`.
 */
export function claimUniqueName(name: string, taken: Set<string>): string {
  const dot = name.lastIndexOf(".");
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : "";
  let candidate = name;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem}-${n}${ext}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

function truncateUtf8(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : "";
  const stem = [...name.slice(0, name.length - ext.length)];
  let bytes = Buffer.byteLength(ext);
  let kept = 0;
  while (kept < stem.length && bytes + Buffer.byteLength(stem[kept] ?? "") <= maxBytes) {
    bytes += Buffer.byteLength(stem[kept] ?? "");
    kept++;
  }
  return stem.slice(0, kept).join("") + ext;
}
