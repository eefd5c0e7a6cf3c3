/**
 * Contender: this project's full client over REST (transcoding over HTTP/1.1 keep-alive):
 * `createDataPortabilityClient` with auth (static token) and retry.
 */
import type { ContenderFactory } from "../types.js";
import { createFullClient } from "./full-client.js";

/** Creates the contender. */
export const create: ContenderFactory = (env) => createFullClient(env, "rest", env.restUrl);
