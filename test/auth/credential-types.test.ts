import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  Compute,
  ExternalAccountClient,
  GoogleAuth,
  Impersonated,
  JWT,
  OAuth2Client,
} from "google-auth-library";
import { createDataPortabilityClient } from "../../src/index.js";
import { startFakeGoogle, type FakeGoogle } from "./fake-google.js";
import { fakeServiceAccountJson, rejection } from "./helpers.js";

let fake: FakeGoogle;
const dir = mkdtempSync(join(tmpdir(), "dpc-auth-"));
const savedAdc = process.env["GOOGLE_APPLICATION_CREDENTIALS"];

beforeAll(async () => {
  fake = await startFakeGoogle();
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  if (savedAdc === undefined) delete process.env["GOOGLE_APPLICATION_CREDENTIALS"];
  else process.env["GOOGLE_APPLICATION_CREDENTIALS"] = savedAdc;
});

function creationError(f: () => unknown): ConnectError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectError);
    return e as ConnectError;
  }
  throw new Error("expected a throw");
}

function expectEndUserRejection(err: unknown, kind: RegExp): void {
  expect(err).toBeInstanceOf(ConnectError);
  const e = err as ConnectError;
  expect(e.code).toBe(Code.FailedPrecondition);
  expect(e.rawMessage).toMatch(/end-user OAuth consent/);
  expect(e.rawMessage).toMatch(/authorized_user/);
  expect(e.rawMessage).toMatch(kind);
}

describe("credentials without end-user consent are rejected", () => {
  it("a service-account JWT (real key) is rejected when the client is created", () => {
    const sa = fakeServiceAccountJson();
    const jwt = new JWT({ email: sa["client_email"], key: sa["private_key"], scopes: ["https://www.googleapis.com/auth/dataportability.myactivity.search"] });
    expectEndUserRejection(
      creationError(() => createDataPortabilityClient({ baseUrl: fake.url, auth: jwt })),
      /service-account \(JWT\)/,
    );
  });

  it("a GoogleAuth resolving to a service account is rejected on the first call, before any request", async () => {
    const auth = new GoogleAuth({ credentials: fakeServiceAccountJson() });
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth });
    const seen = fake.seen.length;
    expectEndUserRejection(await rejection(client.checkAccessType({})), /service-account/);
    expectEndUserRejection(await rejection(client.checkAccessType({})), /service-account/);
    expect(fake.seen.length).toBe(seen);
    expect(fake.tokenHits).toBe(0);
  });

  it("application default credentials of a service account are rejected", async () => {
    const file = join(dir, "sa.json");
    writeFileSync(file, JSON.stringify(fakeServiceAccountJson()));
    process.env["GOOGLE_APPLICATION_CREDENTIALS"] = file;
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url });
    expectEndUserRejection(await rejection(client.checkAccessType({})), /service-account/);
  });

  it("Compute (metadata server), impersonated and external-account credentials are rejected", () => {
    expectEndUserRejection(creationError(() => createDataPortabilityClient({ auth: new Compute() })), /Compute Engine metadata/);
    const impersonated = new Impersonated({
      sourceClient: new OAuth2Client(),
      targetPrincipal: "target@fake-project.iam.gserviceaccount.com",
      targetScopes: ["https://www.googleapis.com/auth/cloud-platform"],
    });
    expectEndUserRejection(creationError(() => createDataPortabilityClient({ auth: impersonated })), /impersonated/);
    const external = ExternalAccountClient.fromJSON({
      type: "external_account",
      audience: "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q",
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      token_url: "https://sts.googleapis.com/v1/token",
      credential_source: { file: join(dir, "subject-token") },
    });
    expect(external).not.toBeNull();
    expectEndUserRejection(creationError(() => createDataPortabilityClient({ auth: external as never })), /external-account/);
  });

  it("a GoogleAuth of an authorized_user file works (refreshing at the configured endpoint)", async () => {
    const { refreshToken } = fake.consent();
    const file = join(dir, "user.json");
    writeFileSync(
      file,
      JSON.stringify({
        type: "authorized_user",
        client_id: fake.clientId,
        client_secret: fake.clientSecret,
        refresh_token: refreshToken,
        quota_project_id: "gcloud-default-project",
      }),
    );
    const auth = new GoogleAuth({ keyFile: file, clientOptions: { endpoints: { oauth2TokenUrl: fake.tokenUrl } } });
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth });
    const seen = fake.seen.length;
    await client.checkAccessType({});
    expect(fake.seen[seen]?.authorization).toMatch(/^Bearer ya29\.fake-access-/);
    expect(fake.seen[seen]?.userProject).toBeNull();
  });

  it("values that are no credential at all are INVALID_ARGUMENT, without echoing a token", () => {
    expect(creationError(() => createDataPortabilityClient({ auth: 42 as never })).code).toBe(Code.InvalidArgument);
    const bad = creationError(() => createDataPortabilityClient({ auth: "ya29.secret value\r\nx" }));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.message).not.toContain("ya29.secret");
  });
});
