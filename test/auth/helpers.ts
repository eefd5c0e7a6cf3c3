/** Helpers shared by the auth tests. */
import { generateKeyPairSync } from "node:crypto";
import { OAuth2Client, UserRefreshClient } from "google-auth-library";
import type { FakeGoogle } from "./fake-google.js";

/** An OAuth2Client holding a fresh consent of `fake`, its cached token valid for an hour. */
export function consentedClient(fake: FakeGoogle, options: { scopes?: boolean } = {}): OAuth2Client {
  const { accessToken, refreshToken } = fake.consent(options);
  const client = new OAuth2Client({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    endpoints: { oauth2TokenUrl: fake.tokenUrl },
  });
  client.setCredentials({
    access_token: accessToken,
    refresh_token: refreshToken,
    expiry_date: Date.now() + 3600_000,
    token_type: "Bearer",
  });
  return client;
}

/** A UserRefreshClient (what authorized_user ADC builds) holding only a fresh consent's refresh token. */
export function refreshOnlyClient(fake: FakeGoogle): UserRefreshClient {
  const { refreshToken } = fake.consent();
  return new UserRefreshClient({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    refreshToken,
    endpoints: { oauth2TokenUrl: fake.tokenUrl },
  });
}

/** A service-account key file's JSON with a freshly generated RSA key. */
export function fakeServiceAccountJson(): Record<string, string> {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return {
    type: "service_account",
    project_id: "fake-project",
    private_key_id: "0123456789abcdef",
    private_key: privateKey,
    client_email: "exporter@fake-project.iam.gserviceaccount.com",
    client_id: "123456789012345678901",
    token_uri: "http://127.0.0.1:9/token",
  };
}

/** The settled rejection of `p` (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}
