/**
 * Contender: googleapis@178 (the newest release for Node 20),
 * `dataportability.authorization.reset` with an OAuth2Client holding a
 * static access token and `rootUrl` pointed at the local server.
 */
import { google } from "googleapis";
import type { ContenderFactory } from "../types.js";

/** Creates the contender. */
export const create: ContenderFactory = async (env) => {
  const auth = new google.auth.OAuth2();
  auth.setCredentials({ access_token: env.token });
  const dp = google.dataportability({ version: "v1", auth, rootUrl: `${env.restUrl}/` });
  return {
    call: async () => {
      const res = await dp.authorization.reset();
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    },
    close: async () => {},
  };
};
