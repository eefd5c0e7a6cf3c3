/**
 * Auth against the emulator's OAuth server (virtual clock, rotating refresh
 * tokens), with real google-auth-library clients.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserRefreshClient } from "google-auth-library";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { createDataPortabilityClient } from "../../src/index.js";
import { createEmulatorOAuthClient } from "../support/emulator-clients.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ rotateRefreshTokens: true });
});
afterAll(() => emu.close());

describe("emulator OAuth", () => {
  it("refreshes an access token that expired on the server's clock and keeps each rotated refresh token", async () => {
    const tokens = await emu.consent({ user: "rotate@example.com", resources: ["myactivity.search"] });
    const auth = createEmulatorOAuthClient(emu, tokens.refreshToken);
    // The cached expiry looks valid to the client all along; only the server's clock moves.
    auth.setCredentials({ ...auth.credentials, access_token: tokens.accessToken, expiry_date: Date.now() + tokens.expiresIn * 1000 });
    for (const protocol of ["rest", "grpc"] as const) {
      const client = createDataPortabilityClient({ protocol, baseUrl: emu.url, auth });
      const seen = new Set<string | null | undefined>([auth.credentials.refresh_token]);
      for (let round = 0; round < 3; round++) {
        emu.clock.advance(emu.settings().accessTokenTtlMs + 1);
        const before = emu.calls.count("token");
        await expect(client.checkAccessType({})).resolves.toMatchObject({ oneTimeResources: ["myactivity.search"] });
        expect(emu.calls.count("token")).toBe(before + 1);
        expect(seen.has(auth.credentials.refresh_token)).toBe(false); // a new one each time, and it works next round
        seen.add(auth.credentials.refresh_token);
      }
    }
  });

  it("a UserRefreshClient (as application default credentials build it) works and rotates too", async () => {
    const tokens = await emu.consent({ user: "adc@example.com", resources: ["myactivity.search"] });
    const auth = new UserRefreshClient({
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      refreshToken: tokens.refreshToken,
      endpoints: { oauth2TokenUrl: emu.tokenUrl },
    });
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: emu.url, auth });
    await client.checkAccessType({});
    emu.clock.advance(emu.settings().accessTokenTtlMs + 1);
    await client.checkAccessType({});
    expect(auth.credentials.refresh_token).not.toBe(tokens.refreshToken);
    expect(emu.calls.count("token")).toBeGreaterThanOrEqual(2);
  });
});
