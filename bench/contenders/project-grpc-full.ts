/**
 * Contender: this project's full client over gRPC (h2c):
 * `createDataPortabilityClient` with auth (static token) and retry.
 */
import type { ContenderFactory } from "../types.js";
import { createFullClient } from "./full-client.js";

/** Creates the contender. */
export const create: ContenderFactory = (env) => createFullClient(env, "grpc", env.h2Url);
