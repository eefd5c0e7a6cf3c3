/**
 * Contender: this project's bare REST transport, `createRestTransport` (its
 * default keep-alive undici client, no interceptors) with connect-es
 * `createClient`; the token is a static call header.
 */
import { createClient } from "@connectrpc/connect";
import type { ContenderFactory } from "../types.js";
import { loadProject, requireFunction } from "./project.js";

/** Creates the contender. */
export const create: ContenderFactory = async (env) => {
  const project = await loadProject(env);
  requireFunction(project, "createRestTransport");
  const { DataPortabilityService } = project;
  const client = createClient(DataPortabilityService, project.createRestTransport({ baseUrl: env.restUrl }));
  const headers = { authorization: `Bearer ${env.token}` };
  return {
    call: async () => {
      await client.resetAuthorization({}, { headers });
    },
    close: async () => {},
  };
};
