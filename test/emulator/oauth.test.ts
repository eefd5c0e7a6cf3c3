/**
 * The emulator's OAuth endpoints against real google-auth-library clients
 * and raw HTTP.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { createEmulatorClient, createEmulatorOAuthClient } from "../support/emulator-clients.js";
import { errorInfo, expectCode, newUser, raw, useEmulator } from "./helpers.js";

const DAY = 24 * 60 * 60 * 1000;

describe("emulator OAuth endpoints", () => {
  const emulator = useEmulator();

  const form = (fields: Record<string, string>) => ({
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });

  const refreshForm = (refreshToken: string) =>
    form({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: emulator.clientId,
      client_secret: emulator.clientSecret,
    });

  it("an OAuth2Client with only a refresh token gets Bearer tokens carrying the consented scopes", async () => {
    const tokens = await emulator.consent({ user: newUser(), resources: ["myactivity.search", "chrome.history"] });
    expect(tokens.expiresIn).toBe(3600);
    expect(tokens.accessToken).not.toBe(tokens.refreshToken);
    const oauth = createEmulatorOAuthClient(emulator, tokens.refreshToken);
    const { token, res } = await oauth.getAccessToken();
    expect(token).toBeTruthy();
    expect(token).not.toBe(tokens.accessToken);
    expect(res?.data).toMatchObject({
      token_type: "Bearer",
      scope:
        "https://www.googleapis.com/auth/dataportability.myactivity.search https://www.googleapis.com/auth/dataportability.chrome.history",
    });
    expect(oauth.credentials.expiry_date).toBeGreaterThan(Date.now());
    const headers = await oauth.getRequestHeaders();
    expect(headers.get("authorization")).toBe(`Bearer ${token}`);
    expect(emulator.calls.count("token")).toBeGreaterThanOrEqual(1);
  });

  it("POST /token answers OAuth JSON errors", async () => {
    const tokens = await emulator.consent({ user: newUser(), resources: ["myactivity.search"] });
    const unknown = await raw(emulator.tokenUrl, refreshForm("1//not-a-token"));
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.text)).toEqual({ error: "invalid_grant", error_description: "Token has been expired or revoked." });

    const wrongSecret = await raw(
      emulator.tokenUrl,
      form({ grant_type: "refresh_token", refresh_token: tokens.refreshToken, client_id: emulator.clientId, client_secret: "nope" }),
    );
    expect(wrongSecret.status).toBe(401);
    expect(JSON.parse(wrongSecret.text).error).toBe("invalid_client");

    const wrongClient = await raw(
      emulator.tokenUrl,
      form({ grant_type: "refresh_token", refresh_token: tokens.refreshToken, client_id: "other", client_secret: "x" }),
    );
    expect(JSON.parse(wrongClient.text)).toMatchObject({ error: "invalid_client" });

    const grantType = await raw(
      emulator.tokenUrl,
      form({ grant_type: "password", client_id: emulator.clientId, client_secret: emulator.clientSecret }),
    );
    expect(grantType.status).toBe(400);
    expect(JSON.parse(grantType.text)).toMatchObject({ error: "unsupported_grant_type" });

    const missing = await raw(
      emulator.tokenUrl,
      form({ grant_type: "refresh_token", client_id: emulator.clientId, client_secret: emulator.clientSecret }),
    );
    expect(JSON.parse(missing.text)).toEqual({ error: "invalid_request", error_description: "Missing required parameter: refresh_token" });

    const basic = await raw(emulator.tokenUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${emulator.clientId}:${emulator.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: tokens.refreshToken }).toString(),
    });
    expect(basic.status).toBe(200);
    expect(JSON.parse(basic.text)).toMatchObject({ token_type: "Bearer", expires_in: 3600 });

    const get = await raw(emulator.tokenUrl);
    expect(get.status).toBe(405);
  });

  it("refresh-token rotation returns a new refresh token and retires the old one", async () => {
    emulator.configure({ rotateRefreshTokens: true });
    const tokens = await emulator.consent({ user: newUser(), resources: ["play.library"] });
    const first = await raw(emulator.tokenUrl, refreshForm(tokens.refreshToken));
    const body = JSON.parse(first.text) as { refresh_token?: string; access_token: string };
    expect(first.status).toBe(200);
    expect(body.refresh_token).toMatch(/^1\/\//);
    expect(body.refresh_token).not.toBe(tokens.refreshToken);
    expect(JSON.parse((await raw(emulator.tokenUrl, refreshForm(tokens.refreshToken))).text).error).toBe("invalid_grant");
    expect((await raw(emulator.tokenUrl, refreshForm(body.refresh_token!))).status).toBe(200);

    emulator.configure({ rotateRefreshTokens: false });
    const plain = JSON.parse((await raw(emulator.tokenUrl, refreshForm(tokens.refreshToken))).text);
    expect(plain.error).toBe("invalid_grant"); // still retired
  });

  it("OAuth2Client.revokeToken (?token=) revokes the token family; the form body works too", async () => {
    const tokens = await emulator.consent({ user: newUser(), resources: ["maps.reviews"] });
    const oauth = createEmulatorOAuthClient(emulator, tokens.refreshToken);
    const access = (await oauth.getAccessToken()).token!;
    const client = createEmulatorClient("connect", emulator.url, { auth: access });
    expect((await client.checkAccessType({})).oneTimeResources).toEqual(["maps.reviews"]);

    const revoked = await oauth.revokeToken(access);
    expect(revoked.status).toBe(200);
    expect(errorInfo(await expectCode(client.checkAccessType({}), Code.Unauthenticated)).reason).toBe("ACCESS_TOKEN_INVALID");
    await expect(oauth.refreshAccessToken()).rejects.toThrow("invalid_grant");
    // The consent's own access token belongs to the same family.
    await expectCode(createEmulatorClient("connect", emulator.url, { auth: tokens.accessToken }).checkAccessType({}), Code.Unauthenticated);

    const other = await emulator.consent({ user: newUser(), resources: ["maps.reviews"] });
    const viaForm = await raw(emulator.revokeUrl, form({ token: other.refreshToken }));
    expect(viaForm.status).toBe(200);
    expect(JSON.parse((await raw(emulator.tokenUrl, refreshForm(other.refreshToken))).text).error).toBe("invalid_grant");

    const unknown = await raw(emulator.revokeUrl, form({ token: "nope" }));
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.text)).toMatchObject({ error: "invalid_token" });
    const missing = await raw(emulator.revokeUrl, { method: "POST" });
    expect(JSON.parse(missing.text)).toEqual({ error: "invalid_request", error_description: "Missing required parameter: token" });
  });

  it("a time-based grant ends after its days: refreshing then gets invalid_grant", async () => {
    const tokens = await emulator.consent({ user: newUser(), resources: ["youtube.music"], accessType: "time-based", days: 30 });
    const oauth = createEmulatorOAuthClient(emulator, tokens.refreshToken);
    await oauth.getAccessToken();
    emulator.clock.advance(29 * DAY);
    expect((await raw(emulator.tokenUrl, refreshForm(tokens.refreshToken))).status).toBe(200);
    emulator.clock.advance(DAY);
    oauth.setCredentials({ refresh_token: tokens.refreshToken });
    await expect(oauth.getAccessToken()).rejects.toThrow("invalid_grant");
  });

  it("consent checks its input", async () => {
    await expect(emulator.consent({ resources: ["no.such_group"] })).rejects.toThrow('unknown resource group "no.such_group"');
    await expect(emulator.consent({ resources: ["myactivity.search"], accessType: "time-based", days: 90 as 30 })).rejects.toThrow(
      "days must be 30 or 180",
    );
    await expect(
      emulator.consent({ resources: ["myactivity.search"], accessType: "sometimes" as "one-time" }),
    ).rejects.toThrow("accessType");
  });

  it("honours a custom client id and secret and a restricted list of resource groups", async () => {
    const custom = await startEmulator({
      port: 0,
      clientId: "my-client",
      clientSecret: "my-secret",
      resourceGroups: ["myactivity.search"],
    });
    try {
      expect(custom.clientId).toBe("my-client");
      await expect(custom.consent({ resources: ["chrome.history"] })).rejects.toThrow("unknown resource group");
      const tokens = await custom.consent({ resources: ["myactivity.search"] });
      const oauth = createEmulatorOAuthClient(custom, tokens.refreshToken);
      expect((await oauth.getAccessToken()).token).toBeTruthy();
      const client = createEmulatorClient("connect", custom.url, { auth: oauth });
      const error = await expectCode(client.initiatePortabilityArchive({ resources: ["chrome.history"] }), Code.InvalidArgument);
      expect(error.rawMessage).toContain('"chrome.history"');
    } finally {
      await custom.close();
    }
  });
});
