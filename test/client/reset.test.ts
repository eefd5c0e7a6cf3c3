import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  createDataPortabilityClient,
  createUserCredentials,
  setClientCredentials,
} from "../../src/index.js";
import { startFakeGoogle, type FakeGoogle } from "../auth/fake-google.js";
import { consentedClient, rejection } from "../auth/helpers.js";

let fake: FakeGoogle;
beforeAll(async () => {
  fake = await startFakeGoogle();
});
afterAll(() => fake.close());

function expectResetError(err: unknown): void {
  expect(err).toBeInstanceOf(ConnectError);
  expect((err as ConnectError).code).toBe(Code.Unauthenticated);
  expect((err as ConnectError).rawMessage).toMatch(/reset/);
  expect((err as ConnectError).rawMessage).toMatch(/new consent/);
}

describe("reset lifecycle", () => {
  it("after ResetAuthorization the next call fails at once, sending nothing, until new consent", async () => {
    const auth = consentedClient(fake);
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth });
    await client.initiatePortabilityArchive({ resources: ["myactivity.search"] });
    await client.resetAuthorization({});
    expect(auth.credentials).toEqual({}); // the revoked tokens are gone from the OAuth2Client too

    const seen = fake.seen.length;
    const hits = fake.tokenHits;
    expectResetError(await rejection(client.checkAccessType({})));
    expectResetError(await rejection(client.getPortabilityArchiveState({ name: "archiveJobs/1/portabilityArchiveState" })));
    expect(fake.seen.length).toBe(seen);
    expect(fake.tokenHits).toBe(hits);

    // New consent, stored on the same OAuth2Client: the client picks it up.
    const fresh = fake.consent();
    auth.setCredentials({ access_token: fresh.accessToken, refresh_token: fresh.refreshToken, expiry_date: Date.now() + 3600_000 });
    await expect(client.checkAccessType({})).resolves.toBeDefined();
    expect(fake.seen.at(-1)?.authorization).toBe(`Bearer ${fresh.accessToken}`);
  });

  it("setClientCredentials after reset (static tokens)", async () => {
    const first = fake.consent();
    const client = createDataPortabilityClient({ protocol: "grpc", baseUrl: fake.h2Url, auth: first.accessToken });
    await client.resetAuthorization({});
    expectResetError(await rejection(client.checkAccessType({})));
    const second = fake.consent();
    setClientCredentials(client, { accessToken: second.accessToken });
    await expect(client.checkAccessType({})).resolves.toBeDefined();
  });

  it("a failed reset keeps the credentials", async () => {
    const scopeless = consentedClient(fake, { scopes: false });
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth: scopeless });
    const err = (await rejection(client.resetAuthorization({}))) as ConnectError;
    expect(err.code).toBe(Code.PermissionDenied);
    expect(scopeless.credentials.access_token).toBeDefined();
  });

  it("shared UserCredentials: a reset through one client is seen by the other", async () => {
    const credentials = createUserCredentials(consentedClient(fake));
    const a = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth: credentials });
    const b = createDataPortabilityClient({ protocol: "grpc", baseUrl: fake.h2Url, auth: credentials });
    await b.checkAccessType({});
    await a.resetAuthorization({});
    expect(credentials.isReset).toBe(true);
    expectResetError(await rejection(b.checkAccessType({})));
    credentials.setCredentials(consentedClient(fake));
    expect(credentials.isReset).toBe(false);
    await expect(b.checkAccessType({})).resolves.toBeDefined();
  });
});
