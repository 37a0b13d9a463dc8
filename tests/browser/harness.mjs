// Starts a real `palisade serve` in a temporary data directory and drives it with the CLI,
// for the console's browser tests.
import { spawn, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const repo = resolve(import.meta.dirname, "../..");

/** The debug binary `cargo build -p palisade` produced (PALISADE_BIN overrides). */
export function binary() {
  if (process.env.PALISADE_BIN) return process.env.PALISADE_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(repo, "target");
  return join(target, "debug", "palisade");
}

/**
 * A running server: its URL, data directory and a CLI bound to it. With `shamir:
 * {shares, threshold}` the data directory is first initialised with `palisade operator init`
 * (the root key split into unseal shares), so the server starts sealed; `unsealShares` holds
 * the shares the command printed.
 */
export async function startServer({ shamir } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "palisade-console-"));
  const data = join(dir, "data");
  const unsealShares = shamir ? operatorInit(data, shamir) : [];
  const child = spawn(binary(), [
    "serve", "--data-dir", data, "--api", "127.0.0.1:0",
    "--syslog", "127.0.0.1:0", "--syslog-tls", "127.0.0.1:0",
  ], { env: { ...process.env, RUST_LOG: "warn" }, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("server did not print Ready. within 60 s")), 60_000);
    let api;
    createInterface({ input: child.stdout }).on("line", (line) => {
      const found = line.match(/^API listening on (https?:\/\/\S+)/);
      if (found) api = found[1];
      if (line === "Ready." && api) { clearTimeout(timer); ok(api); }
    });
    child.on("exit", (code) => fail(new Error(`server exited early with ${code}`)));
  });
  const env = {
    ...process.env,
    PALISADE_SERVER: url,
    PALISADE_TOKEN_FILE: join(data, "admin.token"),
    PALISADE_CA_CERT: join(data, "tls", "cert.pem"),
  };
  /** Runs the CLI against this server; answers {stdout, stderr}, throws when it fails. */
  const cli = (args) => {
    const result = spawnSync(binary(), args, { env, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`palisade ${args.join(" ")} failed: ${result.stderr}`);
    return result;
  };
  const adminToken = readFileSync(join(data, "admin.token"), "utf8").trim();
  return { url, dir, data, child, cli, adminToken, unsealShares, stop: () => child.kill("SIGTERM") };
}

/** `palisade operator init` on a fresh data directory; answers the unseal shares it printed. */
function operatorInit(data, { shares, threshold }) {
  const result = spawnSync(binary(), [
    "operator", "init", "--shares", String(shares), "--threshold", String(threshold), "--data-dir", data,
  ], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`palisade operator init failed: ${result.stderr}`);
  return result.stdout.split("\n")
    .filter((line) => line.startsWith("Unseal share "))
    .map((line) => line.slice(line.indexOf(": ") + 2).trim());
}

/** Creates tenant `name` with the operator's token (the CLI has no tenant command yet). */
export async function createTenant(server, name) {
  const answer = await fetch(`${server.url}/api/v1/tenants`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  if (answer.status !== 201) throw new Error(`tenant ${name}: ${answer.status} ${await answer.text()}`);
}

/**
 * Creates an account with a password through the CLI. An administrator account then enrols
 * its own TOTP second factor through the API, as its owner would at first sign-in (nobody
 * else ever sees the secret); answers that secret, or null for an account that needs none.
 */
export async function addUser(server, { tenant, name, roles, password }) {
  const file = join(server.dir, `${tenant}-${name}.pw`);
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  server.cli(["user", "add", name, "--tenant", tenant, "--roles", roles, "--password-file", file]);
  const login = await fetch(`${server.url}/api/v1/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant, user: name, password }),
  });
  const session = await login.json();
  if (!session.totp_enrolment_required) return null;
  const cookie = login.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const headers = { cookie, "x-csrf-token": session.csrf_token, "content-type": "application/json" };
  const offer = await (await fetch(`${server.url}/api/v1/users/me/totp`, { method: "POST", headers })).json();
  // The previous time step's code (still accepted) confirms, so the current one stays fresh
  // for the test's own sign-in.
  const code = totp(offer.secret, Date.now() - 30_000);
  const confirm = await fetch(`${server.url}/api/v1/users/me/totp/confirm`, {
    method: "POST", headers, body: JSON.stringify({ code }),
  });
  if (!confirm.ok) throw new Error(`TOTP enrolment of ${name}: ${confirm.status} ${await confirm.text()}`);
  return offer.secret;
}

/** Sends log lines to `tenant` as a fresh token-only account of it would. */
export function ingest(server, tenant, lines) {
  const user = `shipper-${tenant}`;
  server.cli(["user", "add", user, "--tenant", tenant, "--roles", "user"]);
  const token = server.cli(["token", "create", "--user", user, "--tenant", tenant]).stdout.trim();
  const tokenFile = join(server.dir, `${user}.token`);
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const logFile = join(server.dir, `${tenant}.log`);
  writeFileSync(logFile, lines.join("\n") + "\n");
  server.cli(["ingest", "--token-file", tokenFile, "--source", "auth", logFile]);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret, for the current time step. */
export function totp(secret, now = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 30_000)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, "0");
}

/** Polls `probe` every 100 ms until it answers something truthy; gives up after `seconds`. */
export async function eventually(probe, what, seconds) {
  for (let i = 0; i < seconds * 10; i++) {
    const found = await probe();
    if (found) return found;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/**
 * A new 1280x720 page of `browser` signed in to the console at `url` as `user` of `tenant`,
 * with `password` and, when `totpSecret` is given, the current TOTP code.
 */
export async function signedInPage(browser, url, { tenant, user, password, totpSecret }) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await page.goto(`${url}/console/login`);
  await page.fill('input[name="tenant"]', tenant);
  await page.fill('input[name="user"]', user);
  await page.fill('input[name="password"]', password);
  if (totpSecret) await page.fill('input[name="totp"]', totp(totpSecret));
  await page.click('button[type="submit"]');
  await page.waitForURL(/\/console\/$/);
  return page;
}

/** A Sigma rule `id` that raises a high alert on every failed SSH password (OCSF 3002, status 2). */
export function sshFailureRule(id, title) {
  return `title: ${title}
id: ${id}
status: test
logsource:
  product: linux
  service: sshd
detection:
  selection:
    class_uid: 3002
    status_id: 2
  condition: selection
level: high
`;
}
