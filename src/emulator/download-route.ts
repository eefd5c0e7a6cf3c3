/**
 * Serves archives at their signed URLs, like a Cloud Storage signed URL: no
 * Authorization header, an expiry and an HMAC signature in the query, XML
 * errors (`ExpiredToken`, `SignatureDoesNotMatch`, `NoSuchKey`), and single
 * byte ranges so downloads can resume.
 */
import { httpStatusFromCode } from "../rest/http-status.js";
import { archiveBytes, archiveFileName } from "./archive.js";
import type { EmulatorCore } from "./core.js";
import { writeFaultEffect, type ResponseEffect } from "./fault-responses.js";
import { faultError, type FaultEffect } from "./faults.js";
import { requestPath, requestQuery, sendBytes } from "./http-io.js";
import type { NodeServerRequest, NodeServerResponse } from "../rest/server/index.js";
import { ARCHIVE_PATH_PREFIX } from "./signed-url.js";

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendXmlError(res: NodeServerResponse, status: number, code: string, message: string, details?: string): void {
  const body =
    `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
    (details === undefined ? "" : `<Details>${escapeXml(details)}</Details>`) +
    "</Error>";
  sendBytes(res, status, "application/xml; charset=UTF-8", body);
}

/** A parsed `Range: bytes=a-b` header, "invalid" when unsatisfiable, undefined when absent or unsupported. */
function parseRange(header: string | string[] | undefined, size: number): { start: number; end: number } | "invalid" | undefined {
  if (typeof header !== "string") return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return "invalid";
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return "invalid";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return "invalid";
  return { start, end };
}

/**
 * Serves one download request; `fault` is an injected effect (its partial
 * bodies are prefixes of the real archive).
 */
export function serveDownload(
  core: EmulatorCore,
  req: NodeServerRequest,
  res: NodeServerResponse,
  fault: FaultEffect | undefined,
  pending: (res: NodeServerResponse) => void,
): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    sendXmlError(res, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    return;
  }
  if (fault?.type === "error") {
    const error = faultError(fault, "download");
    const headers: Record<string, string> = {};
    error.metadata.forEach((value, key) => (headers[key] = value));
    for (const [key, value] of Object.entries(headers)) res.setHeader(key, value);
    sendXmlError(res, httpStatusFromCode(error.code), "InternalError", error.rawMessage);
    return;
  }
  const path = requestPath(req);
  const query = requestQuery(req);
  const expires = query.get("Expires");
  const signature = query.get("Signature");
  if (expires === null || signature === null) {
    sendXmlError(res, 403, "AccessDenied", "Access denied.", "Anonymous caller does not have storage.objects.get access.");
    return;
  }
  if (!core.signer.verify(path, expires, signature)) {
    sendXmlError(
      res,
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided.",
    );
    return;
  }
  if (core.clock.nowMs() >= Number(expires) * 1000) {
    sendXmlError(
      res,
      400,
      "ExpiredToken",
      "Invalid argument.",
      `The provided token has expired. Request signature expired at: ${new Date(Number(expires) * 1000).toISOString()}`,
    );
    return;
  }
  const [jobId, file, ...rest] = path.slice(ARCHIVE_PATH_PREFIX.length).split("/");
  const job = jobId === undefined ? undefined : core.jobs.get(jobId);
  if (job === undefined || rest.length > 0 || file !== archiveFileName(job) || !core.jobs.archiveAvailable(job)) {
    sendXmlError(res, 404, "NoSuchKey", "The specified key does not exist.");
    return;
  }
  const bytes = archiveBytes(job);
  const range = parseRange(req.headers.range, bytes.length);
  if (range === "invalid") {
    res.setHeader("content-range", `bytes */${bytes.length}`);
    sendXmlError(res, 416, "InvalidRange", "The requested range cannot be satisfied.");
    return;
  }
  const body = range === undefined ? bytes : bytes.subarray(range.start, range.end + 1);
  if (fault !== undefined) {
    const wire = {
      contentType: "application/zip",
      binary: true,
      framing: "none" as const,
      sample: body,
      // A ZIP local-file signature and no archive behind it.
      mismatch: new TextEncoder().encode("PK\u0003\u0004 this is not a complete ZIP archive"),
    };
    writeFaultEffect(req, res, wire, fault as ResponseEffect, pending);
    return;
  }
  const headers: Record<string, string> = {
    "accept-ranges": "bytes",
    "content-disposition": `attachment; filename="${file}"`,
    "cache-control": "private, max-age=0",
  };
  if (range !== undefined) headers["content-range"] = `bytes ${range.start}-${range.end}/${bytes.length}`;
  if (req.method === "HEAD") {
    res.writeHead(200, { ...headers, "content-type": "application/zip", "content-length": String(body.length) });
    res.end();
    return;
  }
  sendBytes(res, range === undefined ? 200 : 206, "application/zip", body, headers);
}
