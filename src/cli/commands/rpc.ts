/**
 * The one-RPC commands: `reset`, `initiate`, `state`, `retry`, `cancel`,
 * `check-access`. Each builds its request, then prints it as curl
 * (`--dry-run`) or sends it and prints the answer.
 *
 * @module
 */

import type { DescMessage, DescMethodUnary, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import {
  AccessType,
  DataPortabilityService,
  PortabilityArchiveState_State as State,
} from "../../../gen/google/dataportability/v1/dataportability_pb.js";
import { DEFAULT_BASE_URL, type DataPortabilityClient } from "../../client/index.js";
import { checkWindow, jobName, parseResources, parseTime, stateName } from "../arguments.js";
import { openContext } from "../context.js";
import { curlCommand, dryRunRequest } from "../dry-run.js";
import { EXIT, usageError, type ExitCode } from "../exit-codes.js";
import type { GlobalOptions } from "../global-options.js";
import { writeLine } from "../io.js";
import { listOrNone, printJson, printLines, printMessageJson } from "../output.js";
import { action, type CliRuntime } from "../runtime.js";

const methods = DataPortabilityService.method;

/** One RPC as a command: its method, how to call it, how to print the answer. */
interface RpcSpec<I extends DescMessage, O extends DescMessage> {
  readonly method: DescMethodUnary<I, O>;
  readonly call: (
    client: DataPortabilityClient,
    request: MessageInitShape<I>,
    options: { signal?: AbortSignal },
  ) => Promise<MessageShape<O>>;
  readonly text: (response: MessageShape<O>, request: MessageInitShape<I>) => string[];
}

/**
 * Prints the request as curl (with `--json`: `{"request": …, "curl": …}`)
 * and sends nothing. REST only: the other protocols send binary frames.
 */
export function printDryRun<I extends DescMessage, O extends DescMessage>(
  runtime: CliRuntime,
  globals: GlobalOptions,
  method: DescMethodUnary<I, O>,
  request: MessageInitShape<I>,
): void {
  if (globals.protocol !== "rest") {
    throw usageError(
      `--dry-run prints the REST request as curl; --protocol ${globals.protocol} sends binary frames curl cannot show`,
      "drop --protocol (or use --protocol rest) with --dry-run",
    );
  }
  if (globals.emulator) throw usageError("--dry-run sends nothing, so it has no use for --emulator");
  const baseUrl = globals.endpoint ?? DEFAULT_BASE_URL;
  const quota = globals.quotaProject !== undefined ? { quotaProject: globals.quotaProject } : {};
  const dry = dryRunRequest(method, request, { baseUrl, ...quota });
  if (globals.json) printJson(runtime.io, { request: { ...dry, headers: Object.fromEntries(dry.headers) }, curl: curlCommand(dry) });
  else writeLine(runtime.io.stdout, curlCommand(dry));
}

/** Runs one RPC command: dry run, or call and print. */
async function runRpc<I extends DescMessage, O extends DescMessage>(
  runtime: CliRuntime,
  globals: GlobalOptions,
  spec: RpcSpec<I, O>,
  request: MessageInitShape<I>,
): Promise<ExitCode> {
  if (globals.dryRun) {
    printDryRun(runtime, globals, spec.method, request);
    return EXIT.ok;
  }
  const context = await openContext(globals, runtime.io, runtime.secrets);
  try {
    const signal = runtime.io.signal;
    const response = await spec.call(context.client, request, signal ? { signal } : {});
    if (globals.json) printMessageJson(runtime.io, spec.method.output, response, runtime.secrets);
    else printLines(runtime.io, spec.text(response, request), runtime.secrets);
    return EXIT.ok;
  } finally {
    await context.close();
  }
}

function accessTypeText(type: AccessType): string {
  return type === AccessType.ONE_TIME ? "one-time access" : type === AccessType.TIME_BASED ? "time-based access" : "access type unspecified";
}

const reset: RpcSpec<typeof methods.resetAuthorization.input, typeof methods.resetAuthorization.output> = {
  method: methods.resetAuthorization,
  call: (client, request, options) => client.resetAuthorization(request, options),
  text: () => [
    "Authorization reset: the user's tokens are revoked and exhausted scopes are reset.",
    "Earlier archives may now be deleted; further calls need new consent.",
  ],
};

const initiate: RpcSpec<
  typeof methods.initiatePortabilityArchive.input,
  typeof methods.initiatePortabilityArchive.output
> = {
  method: methods.initiatePortabilityArchive,
  call: (client, request, options) => client.initiatePortabilityArchive(request, options),
  text: (res) => [
    `Initiated archive job ${res.archiveJobId} (${accessTypeText(res.accessType)}).`,
    `Next: dataportability state ${res.archiveJobId}`,
  ],
};

const state: RpcSpec<typeof methods.getPortabilityArchiveState.input, typeof methods.getPortabilityArchiveState.output> = {
  method: methods.getPortabilityArchiveState,
  call: (client, request, options) => client.getPortabilityArchiveState(request, options),
  text: (res) => {
    const id = /^archiveJobs\/([^/]+)/.exec(res.name)?.[1] ?? res.name;
    const lines = [`Job ${id}: ${State[res.state] ?? res.state}`];
    if (res.startTime) lines.push(`Start time: ${timestampDate(res.startTime).toISOString()}`);
    if (res.exportTime) lines.push(`Export time: ${timestampDate(res.exportTime).toISOString()}`);
    if (res.state === State.IN_PROGRESS) lines.push("Still running: poll again later (Google suggests every 5 to 60 minutes).");
    if (res.state === State.FAILED) lines.push(`Failed: restart it with dataportability retry ${id} (up to 3 times).`);
    if (res.urls.length > 0) {
      lines.push(`Archive URLs (${res.urls.length}, signed: download without credentials, before they expire):`);
      for (const url of res.urls) lines.push(`  ${url}`);
    }
    return lines;
  },
};

const retry: RpcSpec<typeof methods.retryPortabilityArchive.input, typeof methods.retryPortabilityArchive.output> = {
  method: methods.retryPortabilityArchive,
  call: (client, request, options) => client.retryPortabilityArchive(request, options),
  text: (res) => [`Retry started: new archive job ${res.archiveJobId}.`, `Next: dataportability state ${res.archiveJobId}`],
};

const cancel: RpcSpec<typeof methods.cancelPortabilityArchive.input, typeof methods.cancelPortabilityArchive.output> = {
  method: methods.cancelPortabilityArchive,
  call: (client, request, options) => client.cancelPortabilityArchive(request, options),
  text: (_res, req) => [`Cancelled archive job ${req.name?.replace(/^archiveJobs\//, "")}: its state becomes CANCELLED.`],
};

const checkAccess: RpcSpec<typeof methods.checkAccessType.input, typeof methods.checkAccessType.output> = {
  method: methods.checkAccessType,
  call: (client, request, options) => client.checkAccessType(request, options),
  text: (res) => [
    `One-time access: ${listOrNone(res.oneTimeResources)}`,
    `Time-based access: ${listOrNone(res.timeBasedResources)}`,
  ],
};

/** Options of `initiate`. */
interface InitiateFlags {
  start?: string;
  end?: string;
}

/** The export window of `--start` / `--end`, checked. */
export function windowOf(flags: InitiateFlags): { startTime?: Date; endTime?: Date } {
  const startTime = flags.start === undefined ? undefined : parseTime("--start", flags.start);
  const endTime = flags.end === undefined ? undefined : parseTime("--end", flags.end);
  checkWindow(startTime, endTime);
  return { ...(startTime ? { startTime } : {}), ...(endTime ? { endTime } : {}) };
}

const JOB_ARG = "a job id, archiveJobs/<id> or archiveJobs/<id>/portabilityArchiveState";

/** Adds the one-RPC commands to `program`. */
export function registerRpcCommands(program: Command, runtime: CliRuntime): void {
  program
    .command("reset")
    .summary("revoke the tokens and reset exhausted scopes (ResetAuthorization)")
    .description(
      "Calls ResetAuthorization: revokes the user's OAuth tokens, resets exhausted scopes and lets earlier " +
        "archives be deleted. Run it after ALL jobs are done and ALL archives are downloaded, never merely " +
        "before a new job.",
    )
    .action(action(runtime, (globals) => runRpc(runtime, globals, reset, {})));

  program
    .command("initiate")
    .summary("start an archive job (InitiatePortabilityArchive)")
    .description("Calls InitiatePortabilityArchive for the resource groups (names like myactivity.search, or their scope URLs).")
    .argument("<resource...>", "resource groups, e.g. myactivity.search chrome.history")
    .option("--start <time>", "export data from this time (RFC 3339; time-based access only)")
    .option("--end <time>", "export data up to this time (RFC 3339)")
    .action(
      action(runtime, async (globals, _command, resources: string[], flags: InitiateFlags) => {
        const window = windowOf(flags);
        const request = {
          resources: parseResources(resources),
          ...(window.startTime ? { startTime: timestampFromDate(window.startTime) } : {}),
          ...(window.endTime ? { endTime: timestampFromDate(window.endTime) } : {}),
        };
        return runRpc(runtime, globals, initiate, request);
      }),
    );

  program
    .command("state")
    .summary("show a job's state and archive URLs (GetPortabilityArchiveState)")
    .description("Calls GetPortabilityArchiveState for archiveJobs/<id>/portabilityArchiveState.")
    .argument("<job>", JOB_ARG)
    .action(action(runtime, (globals, _command, job: string) => runRpc(runtime, globals, state, { name: stateName(job) })));

  program
    .command("retry")
    .summary("retry a FAILED job (RetryPortabilityArchive)")
    .description("Calls RetryPortabilityArchive for archiveJobs/<id>; prints the new job id.")
    .argument("<job>", JOB_ARG)
    .action(action(runtime, (globals, _command, job: string) => runRpc(runtime, globals, retry, { name: jobName(job) })));

  program
    .command("cancel")
    .summary("cancel a running job (CancelPortabilityArchive)")
    .description("Calls CancelPortabilityArchive for archiveJobs/<id>.")
    .argument("<job>", JOB_ARG)
    .action(action(runtime, (globals, _command, job: string) => runRpc(runtime, globals, cancel, { name: jobName(job) })));

  program
    .command("check-access")
    .summary("list the resource groups the token may export (CheckAccessType)")
    .description("Calls CheckAccessType: the groups with one-time and with time-based access.")
    .action(action(runtime, (globals) => runRpc(runtime, globals, checkAccess, {})));
}
