/**
 * The emulator's state in one object: clock, settings, OAuth tables, jobs,
 * the export ledger and the URL signer. Protocol layers read and change it.
 */
import { randomBytes } from "node:crypto";
import { createAccessLedger, type AccessLedger } from "./access-ledger.js";
import { createVirtualClock, type VirtualClock } from "./clock.js";
import { createJobStore, type JobStore } from "./jobs.js";
import { createOAuthStore, type OAuthStore } from "./oauth-store.js";
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RESOURCE_GROUPS,
  DEFAULT_SETTINGS,
  mergeSettings,
  type EmulatorOptions,
  type EmulatorSettings,
} from "./options.js";
import { createUrlSigner, type UrlSigner } from "./signed-url.js";

/** The emulator's state. */
export interface EmulatorCore {
  readonly clock: VirtualClock;
  /** The current settings. */
  settings(): Readonly<EmulatorSettings>;
  /** Changes settings; @throws TypeError naming a bad key. */
  configure(patch: Partial<Record<keyof EmulatorSettings, unknown>>): Readonly<EmulatorSettings>;
  readonly oauth: OAuthStore;
  readonly jobs: JobStore;
  readonly ledger: AccessLedger;
  readonly signer: UrlSigner;
  /** Allowed resource groups, in configured order. */
  readonly resourceGroups: readonly string[];
  /** Whether `group` is an allowed resource group. */
  isKnownGroup(group: string): boolean;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly maxBodyBytes: number;
  /** The URL clients reach the emulator at (set once listening). */
  baseUrl: string;
}

/** Creates the state from options. */
export function createEmulatorCore(options: EmulatorOptions = {}): EmulatorCore {
  let settings = mergeSettings(DEFAULT_SETTINGS, options);
  const clock = createVirtualClock(options.startTime);
  const resourceGroups = Object.freeze([...(options.resourceGroups ?? DEFAULT_RESOURCE_GROUPS)]);
  const known = new Set(resourceGroups);
  const isKnownGroup = (group: string) => known.has(group);
  const current = () => settings;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new TypeError(`option maxBodyBytes must be a positive integer, got ${String(maxBodyBytes)}`);
  }
  return {
    clock,
    settings: current,
    configure(patch) {
      settings = mergeSettings(settings, patch);
      return settings;
    },
    oauth: createOAuthStore({ clock, settings: current, isKnownGroup }),
    jobs: createJobStore({ clock, settings: current }),
    ledger: createAccessLedger(),
    signer: createUrlSigner(options.signingKey ?? randomBytes(32)),
    resourceGroups,
    isKnownGroup,
    clientId: options.clientId ?? "emulator-client-id",
    clientSecret: options.clientSecret ?? "emulator-client-secret",
    maxBodyBytes,
    baseUrl: "",
  };
}
