/**
 * Encode-only microbenchmark of the REST request encoder
 * (`encodeRestRequest` from the project's build): µs per encoded request,
 * after warm-up, for
 * - the reset request (`POST /v1/authorization:reset`, body `{}`), and
 * - a 10-field `ParameterValues` with a path variable
 *   (`GET /v1/{string_value=books/*}:get`, 9 fields into the query string),
 *   from the transcoding conformance schema (test/gen-conformance).
 * Messages are created once; only encoding is timed. Median of timed batches.
 *
 * Forked by `run.ts`; the job (`{ dist }`) arrives over IPC, the result goes back.
 */
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { median } from "../stats.js";
import { loadGen, loadProject, requireFunction } from "../contenders/project.js";
import { Unavailable, type BenchEnv, type EncodeReply } from "../types.js";
import type { RestRequest } from "../../src/rest/index.js";
import {
  ParameterValuesSchema,
  TestEnum,
  TranscodingService,
} from "../../test/gen-conformance/conformance/transcoding/v1/transcoding_pb.js";

let sink = 0;

function bench(fn: () => RestRequest, batchMs: number, batches: number): number[] {
  // Warm-up: let the JIT settle.
  const warmEnd = performance.now() + batchMs * 3;
  while (performance.now() < warmEnd) for (let i = 0; i < 1000; i++) sink += fn().path.length;
  // Size a batch to roughly batchMs.
  let n = 1000;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) sink += fn().path.length;
    const dt = performance.now() - t0;
    if (dt >= batchMs / 4) {
      n = Math.max(1000, Math.round((n * batchMs) / dt));
      break;
    }
    n *= 4;
  }
  const out: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const r = fn();
      sink += r.path.length + (r.body?.length ?? 0);
    }
    out.push(((performance.now() - t0) * 1000) / n);
  }
  return out;
}

async function run(env: BenchEnv, batchMs: number, batches: number): Promise<EncodeReply> {
  const project = await loadProject(env);
  requireFunction(project, "encodeRestRequest");
  const { DataPortabilityService, ResetAuthorizationRequestSchema } = await loadGen(env);
  const encode = project.encodeRestRequest;

  const reset = create(ResetAuthorizationRequestSchema);
  const resetMethod = DataPortabilityService.method.resetAuthorization;
  const ten = create(ParameterValuesSchema, {
    stringValue: "books/b-1234",
    doubleValue: 1.5,
    int64Value: 1234567890123n,
    bytesValue: new Uint8Array([1, 2, 3, 250, 251, 252]),
    enumValue: TestEnum.VALUE,
    timestamp: timestampFromMs(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
    duration: durationFromMs(1500),
    fieldMask: { paths: ["string_value", "nested.text"] },
    doubleList: [1, 2.5, -3],
    boolValue: true,
  });
  const tenMethod = TranscodingService.method.getBookPath;

  const cases: Array<{ id: string; label: string; fn: () => RestRequest }> = [
    { id: "reset", label: "ResetAuthorization request (`POST /v1/authorization:reset`, body `{}`)", fn: () => encode(resetMethod, reset) },
    {
      id: "ten-field",
      label: "10-field message with a path variable (`GET /v1/{string_value=books/*}:get`, 9 query parameters)",
      fn: () => encode(tenMethod, ten),
    },
  ];
  return {
    kind: "ok",
    api: "encodeRestRequest(method, message)",
    cases: cases.map((c) => {
      const r = c.fn();
      const list = bench(c.fn, batchMs, batches);
      return { id: c.id, label: c.label, usPerOp: median(list), sample: `${r.httpMethod} ${r.path}${r.body === undefined ? "" : ` ${r.body}`}`, batches: list };
    }),
  };
}

process.once("message", (raw: unknown) => {
  const job = raw as { env: BenchEnv; batchMs: number; batches: number };
  void run(job.env, job.batchMs, job.batches)
    .catch((err: unknown): EncodeReply => {
      if (err instanceof Unavailable) return { kind: "unavailable", reason: err.message };
      return { kind: "failed", reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    })
    .then((reply) => {
      if (sink === -1) console.log(sink);
      process.send?.({ type: "result", reply }, () => process.exit(0));
    });
});
process.on("disconnect", () => process.exit(1));
