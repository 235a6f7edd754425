// Signs in to Cupola with the real amazon-cognito-identity-js, as a browser
// app would, and prints one JSON line per step for jsclient_test.go:
//   1. USER_SRP_AUTH with a TOTP challenge; the library confirms the new
//      device (ConfirmDevice with an SRP verifier);
//   2. a second sign-in with a fresh CognitoUser on the same storage: the
//      remembered device answers DEVICE_SRP_AUTH, so no TOTP is asked;
//   3. a refresh of the session.
// Configuration comes from the environment (ENDPOINT, POOL_ID, CLIENT_ID,
// USERNAME, PASSWORD, TOTP_SECRET in base32).
import { createHmac } from "node:crypto";
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} from "amazon-cognito-identity-js";

const env = process.env;

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s), for the authenticator app.
function totp(base32, now = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32.replace(/=+$/, "").toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  }
  const key = Buffer.alloc(Math.floor(bits.length / 8));
  for (let i = 0; i < key.length; i++) key[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const off = mac[mac.length - 1] & 0xf;
  const code = (mac.readUInt32BE(off) & 0x7fffffff) % 1000000;
  return code.toString().padStart(6, "0");
}

// One shared in-memory storage, as a browser's localStorage would be.
const store = new Map();
const storage = {
  setItem: (k, v) => store.set(k, String(v)),
  getItem: (k) => (store.has(k) ? store.get(k) : null),
  removeItem: (k) => store.delete(k),
  clear: () => store.clear(),
};

const pool = new CognitoUserPool({
  UserPoolId: env.POOL_ID,
  ClientId: env.CLIENT_ID,
  endpoint: env.ENDPOINT,
  Storage: storage,
});

function report(step, fields) {
  console.log(JSON.stringify({ step, ...fields }));
}

function signIn(step) {
  const user = new CognitoUser({ Username: env.USERNAME, Pool: pool, Storage: storage });
  const challenges = [];
  return new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess(session, userConfirmationNecessary) {
        report(step, {
          ok: true,
          challenges,
          access: session.getAccessToken().getJwtToken(),
          deviceKey: user.deviceKey ?? null,
          userConfirmationNecessary: !!userConfirmationNecessary,
        });
        resolve({ user, session });
      },
      onFailure(err) {
        report(step, { ok: false, challenges, error: err.code || err.name, message: err.message });
        reject(err);
      },
      totpRequired(name) {
        challenges.push(name);
        user.sendMFACode(totp(env.TOTP_SECRET), callbacks, "SOFTWARE_TOKEN_MFA");
      },
      mfaRequired(name) {
        challenges.push(name);
        callbacks.onFailure(new Error("unexpected " + name));
      },
      newPasswordRequired() {
        challenges.push("NEW_PASSWORD_REQUIRED");
        callbacks.onFailure(new Error("unexpected NEW_PASSWORD_REQUIRED"));
      },
    };
    user.authenticateUser(
      new AuthenticationDetails({ Username: env.USERNAME, Password: env.PASSWORD }),
      callbacks,
    );
  });
}

try {
  await signIn("first");
  const { user, session } = await signIn("device");
  await new Promise((resolve, reject) =>
    user.refreshSession(session.getRefreshToken(), (err, s) => {
      if (err) {
        report("refresh", { ok: false, error: err.code || err.name, message: err.message });
        return reject(err);
      }
      report("refresh", { ok: true, access: s.getAccessToken().getJwtToken() });
      resolve();
    }),
  );
} catch (err) {
  process.exitCode = 1;
}
