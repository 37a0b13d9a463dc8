// The console's administration pages in a real browser against a real server: a new
// administrator enrols its own TOTP second factor from the QR page and signs in with it, a
// system administrator creates an account and a token, an audit administrator sees the audit
// page (verified tree head, a verified inclusion proof) and a user does not; sources, keys,
// search facets and the stats chart. Screenshots of each page go to docs/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { startServer, createTenant, addUser, ingest, totp } from "./harness.mjs";

process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
const shots = resolve(import.meta.dirname, "../../docs/screenshots");
const password = "correct horse battery staple";
let server, browser, auditSecret, secSecret;

/** A fresh browser context (its own cookies) at 1280x720. */
async function freshPage() {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 720 } });
  return context.newPage();
}

/** Signs in on the form; `code` only for accounts with a second factor. */
async function signIn(page, user, code) {
  await page.goto(`${server.url}/console/login`);
  await page.fill('input[name="tenant"]', "acme");
  await page.fill('input[name="user"]', user);
  await page.fill('input[name="password"]', password);
  if (code) await page.fill('input[name="totp"]', code);
  await page.click('button[type="submit"]');
}

before(async () => {
  server = await startServer();
  await createTenant(server, "acme");
  // The system administrator enrols its second factor itself, in the browser (first test).
  const pw = join(server.dir, "root.pw");
  writeFileSync(pw, `${password}\n`, { mode: 0o600 });
  server.cli(["user", "add", "root", "--tenant", "acme", "--roles", "sysadmin", "--password-file", pw]);
  auditSecret = await addUser(server, { tenant: "acme", name: "aud", roles: "auditadmin", password });
  secSecret = await addUser(server, { tenant: "acme", name: "sec", roles: "secadmin", password });
  assert.equal(await addUser(server, { tenant: "acme", name: "ann", roles: "user", password }), null);
  const now = Date.now();
  const at = (minutesAgo) => new Date(now - minutesAgo * 60_000).toISOString();
  ingest(server, "acme", [
    `<38>1 ${at(30)} web01 sshd 411 - - Failed password for root from 203.0.113.9 port 52144 ssh2`,
    `<38>1 ${at(20)} web01 sshd 412 - - Failed password for admin from 203.0.113.9 port 52150 ssh2`,
    `<38>1 ${at(5)} web02 sshd 900 - - Accepted publickey for deploy from 198.51.100.4 port 40022 ssh2`,
    "frobnicator stage 3 reached after 17 ms",
    "frobnicator stage 4 reached after 21 ms",
    "frobnicator stage 9 reached after 5 ms",
  ]);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium" });
});

after(async () => {
  await browser?.close();
  server?.stop();
});

let root;

test("a new administrator enrols TOTP through the QR page, then signs in with it", async () => {
  root = await freshPage();
  await signIn(root, "root");
  await root.waitForURL(/\/console\/account$/);
  assert.deepEqual(await root.locator(".top nav a").allTextContents(), ["Account"]);
  const blocked = await root.evaluate(async () => (await fetch("/api/v1/users")).status);
  assert.equal(blocked, 403, "a password-only session can do nothing but enrol");
  await root.click("#totp-begin");
  await root.waitForSelector("#totp-qr svg.qr path");
  const secret = (await root.textContent("#totp-secret")).trim();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await root.screenshot({ path: join(shots, "account-totp.png") });
  await root.fill('#totp-confirm input[name="code"]', "000000" === totp(secret) ? "111111" : "000000");
  await root.click('#totp-confirm button[type="submit"]');
  await root.waitForSelector("#action-error:not([hidden])");
  assert.match(await root.textContent("#action-error"), /wrong code/);
  await root.fill('#totp-confirm input[name="code"]', totp(secret, Date.now() - 30_000));
  await root.click('#totp-confirm button[type="submit"]');
  await root.waitForURL(/\/console\/login/);
  await signIn(root, "root");
  assert.match(await root.textContent(".error"), /TOTP code is required/);
  await signIn(root, "root", totp(secret));
  await root.waitForURL(/\/console\/$/);
  assert.deepEqual(await root.locator(".top nav a").allTextContents(), ["Overview", "Sources", "Admin", "Account"]);
});

test("a system administrator creates an account and a token, shown once, then revokes it", async () => {
  await root.goto(`${server.url}/console/admin`);
  assert.equal(await root.locator("#tenants").count(), 0, "tenants are for operators");
  await root.fill('#new-user input[name="name"]', "newbie");
  await root.fill('#new-user input[name="roles"]', "user");
  await root.fill('#new-user input[name="password"]', password);
  await Promise.all([root.waitForEvent("load"), root.click('#new-user button[type="submit"]')]);
  assert.match(await root.textContent("#users"), /newbie\s*user\s*password\s*active/);
  await root.fill('#new-token input[name="user"]', "newbie");
  await root.fill('#new-token input[name="description"]', "made in the console");
  await root.click('#new-token button[type="submit"]');
  await root.waitForSelector("#new-token-secret:not([hidden])");
  const token = (await root.textContent("#token-value")).trim();
  assert.match(token, /^pal_[0-9a-f]+_/);
  const whoami = await fetch(`${server.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await whoami.json()).user, "newbie");
  await root.screenshot({ path: join(shots, "admin.png") });
  await root.reload();
  const row = root.locator("#tokens tr", { hasText: "made in the console" });
  await row.locator("button.revoke").click();
  await row.locator("td", { hasText: "revoked" }).waitFor();
  const after = await fetch(`${server.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(after.status, 401);
  const bad = await root.evaluate(async () => {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const answer = await fetch("/api/v1/users", {
      method: "POST",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "aud2", roles: "auditadmin,sysadmin" }),
    });
    return answer.status;
  });
  assert.equal(bad, 400, "separation of duties holds for the console's calls too");
});

test("the sources page lists the templates of unparsed lines", async () => {
  await root.goto(`${server.url}/console/sources`);
  assert.equal(await root.locator("#sources").count(), 0, "a system administrator does not search events");
  assert.match(await root.textContent("#templates"), /frobnicator stage <\*> reached after <\*> ms\s*3/);
  const sec = await freshPage();
  await signIn(sec, "sec", totp(secSecret));
  await sec.waitForURL(/\/console\/$/);
  await sec.goto(`${server.url}/console/sources`);
  assert.match(await sec.textContent("#sources"), /auth/);
  await sec.screenshot({ path: join(shots, "sources.png") });
  await sec.goto(`${server.url}/console/keys`);
  assert.match(await sec.textContent("#seal"), /unsealed/);
  await sec.screenshot({ path: join(shots, "keys.png") });
});

test("an audit administrator sees the audit page with a verified proof; a user does not", async () => {
  const auditor = await freshPage();
  await signIn(auditor, "aud", totp(auditSecret));
  await auditor.waitForURL(/\/console\/$/);
  await auditor.goto(`${server.url}/console/audit`);
  assert.match(await auditor.textContent("#tree-head"), /verified/);
  assert.ok((await auditor.locator("#records tbody tr").count()) > 5);
  await auditor.locator("#records a", { hasText: "prove" }).first().click();
  assert.match(await auditor.textContent("#proof"), /verified/);
  assert.doesNotMatch(await auditor.textContent("#proof"), /NOT/);
  await auditor.goto(`${server.url}/console/audit?subject=newbie`);
  const subjects = await auditor.locator("#records tbody td:nth-child(4)").allTextContents();
  assert.ok(subjects.length > 0 && subjects.every((s) => s.startsWith("newbie")), subjects.join());
  await auditor.goto(`${server.url}/console/audit`);
  await auditor.screenshot({ path: join(shots, "audit.png") });

  const user = await freshPage();
  await signIn(user, "ann");
  await user.waitForURL(/\/console\/$/);
  assert.ok(!(await user.locator(".top nav a").allTextContents()).includes("Audit"));
  const refused = await user.goto(`${server.url}/console/audit`);
  assert.equal(refused.status(), 403);
});

test("search shows field facets and a stats chart", async () => {
  const user = await freshPage();
  await signIn(user, "ann");
  await user.waitForURL(/\/console\/$/);
  await user.goto(`${server.url}/console/search?q=sshd`);
  const facets = await user.textContent("#facets");
  assert.match(facets, /device\.hostname/);
  assert.match(facets, /web01\s*2/);
  await user.locator("#facets a", { hasText: "web02" }).first().click();
  assert.match(await user.textContent("#summary"), /^1 matches/);
  await user.goto(`${server.url}/console/search?q=sshd`);
  await user.screenshot({ path: join(shots, "search-facets.png") });
  await user.goto(`${server.url}/console/search?q=${encodeURIComponent("* | stats count() by device.hostname")}`);
  assert.equal(await user.locator(".stats-chart svg rect.bar").count(), await user.locator("#stats tbody tr").count());
  await user.screenshot({ path: join(shots, "search-stats.png") });
});
