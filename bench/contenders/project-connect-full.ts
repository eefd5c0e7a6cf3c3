/**
 * Contender: this project's full client over Connect (h2c, JSON):
 * `createDataPortabilityClient` with auth (static token) and retry.
 */
import type { ContenderFactory } from "../types.js";
import { createFullClient } from "./full-client.js";

/** Creates the contender. */
export const create: ContenderFactory = (env) => createFullClient(env, "connect", env.h2Url);
