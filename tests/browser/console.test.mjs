// The web console in a real browser (headless Chromium through playwright-core) against a
// real server: sign-in with password and TOTP, overview, search, an event opened, export,
// tenant isolation. Screenshots of each page go to docs/screenshots/ (1280x720).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { startServer, createTenant, addUser, ingest, totp } from "./harness.mjs";

// The server's certificate is self-signed and generated at first start.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
const shots = resolve(import.meta.dirname, "../../docs/screenshots");
const password = "correct horse battery staple";
let server, browser, page, secret, auditSecret;

before(async () => {
  server = await startServer();
  await createTenant(server, "acme");
  await createTenant(server, "beta");
  secret = await addUser(server, { tenant: "acme", name: "sec", roles: "secadmin", password });
  assert.ok(secret, "a security administrator gets a TOTP secret");
  auditSecret = await addUser(server, { tenant: "acme", name: "aud", roles: "auditadmin", password });
  const now = Date.now();
  const at = (minutesAgo) => new Date(now - minutesAgo * 60_000).toISOString();
  ingest(server, "acme", [
    `<38>1 ${at(30)} web01 sshd 411 - - Failed password for root from 203.0.113.9 port 52144 ssh2`,
    `<38>1 ${at(20)} web01 sshd 412 - - Failed password for admin from 203.0.113.9 port 52150 ssh2`,
    `<38>1 ${at(5)} web02 sshd 900 - - Accepted publickey for deploy from 198.51.100.4 port 40022 ssh2`,
    `<30>1 ${at(2)} db01 postgres 77 - - checkpoint complete: wrote 120 buffers`,
  ]);
  ingest(server, "beta", [`<38>1 ${at(3)} betahost sshd 5 - - Failed password for betauser marker-beta-only`]);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium" });
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 720 } });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("a page opened without a session goes to the sign-in page", async () => {
  await page.goto(`${server.url}/console/`);
  assert.match(page.url(), /\/console\/login$/);
  await page.screenshot({ path: join(shots, "login.png") });
});

test("a wrong TOTP code is refused with the reason on the form", async () => {
  await page.fill('input[name="tenant"]', "acme");
  await page.fill('input[name="user"]', "sec");
  await page.fill('input[name="password"]', password);
  await page.fill('input[name="totp"]', totp(secret) === "000000" ? "111111" : "000000");
  await page.click('button[type="submit"]');
  assert.match(await page.textContent(".error"), /TOTP/i);
});

test("signing in with password and TOTP opens the overview", async () => {
  await page.fill('input[name="tenant"]', "acme");
  await page.fill('input[name="user"]', "sec");
  await page.fill('input[name="password"]', password);
  await page.fill('input[name="totp"]', totp(secret));
  await page.click('button[type="submit"]');
  await page.waitForURL(/\/console\/$/);
  assert.match(await page.textContent("h1"), /Overview/);
  const nav = await page.locator(".top nav a").allTextContents();
  assert.deepEqual(nav, ["Overview", "Search", "Alerts", "Incidents", "Rules", "Sources", "Keys", "Account"]);
  const tiles = await page.locator(".tile .label").allTextContents();
  assert.ok(tiles.includes("Events, 24 h") && tiles.includes("Key service"), tiles.join());
  assert.ok(!tiles.includes("Audit tree"), "a security administrator does not see the audit trail");
  const total = await page.locator(".tile", { hasText: "Events, 24 h" }).locator(".value").textContent();
  // The tenant's four log lines plus the audit trail's API Activity events of its sign-ins.
  assert.ok(Number(total.replace(/,/g, "")) >= 4, total);
  assert.doesNotMatch(await page.textContent("#hosts"), /betahost/, "another tenant's hosts");
  assert.match(await page.textContent("#sources"), /auth\s*4/);
  assert.match(await page.textContent("#hosts"), /web01\s*2/);
  assert.equal(await page.locator('svg[aria-label="Events per minute, last hour"] rect.bar').count(), 60);
  await page.screenshot({ path: join(shots, "overview.png") });
});

test("a search lists matches newest first and opens an event", async () => {
  await page.click("text=Search");
  await page.fill("#q", "sshd");
  await page.click('form.search button[type="submit"]');
  await page.waitForSelector("#events");
  assert.match(await page.textContent("#summary"), /^3 matches/);
  const hosts = await page.locator("#events tbody tr td:nth-child(2)").allTextContents();
  assert.deepEqual(hosts, ["web02", "web01", "web01"]);
  await page.locator("#events details summary").first().click();
  const raw = page.locator("#events details[open] pre.raw");
  assert.match(await raw.textContent(), /Accepted publickey for deploy/);
  assert.match(await page.locator("#events details[open] pre.normalised").textContent(), /"hostname": "web02"/);
  assert.ok((await page.locator(".histogram rect.bar").count()) >= 60);
  await page.screenshot({ path: join(shots, "search.png"), fullPage: false });
});

test("exports answer the same search as JSON and CSV", async () => {
  const json = await page.evaluate(async () => (await fetch(document.querySelector('a[href^="/api/v1/events"]').href)).json());
  assert.equal(json.events.length, 3);
  const csv = await page.evaluate(async () => (await fetch(document.querySelector('a[href^="/console/search.csv"]').href)).text());
  const lines = csv.trim().split("\n");
  assert.equal(lines[0], "time,host,source,message");
  assert.equal(lines.length, 4);
  assert.match(lines[1], /web02,auth,Accepted publickey/);
});

test("a stats query shows its table, a bad query says why", async () => {
  await page.goto(`${server.url}/console/search?q=${encodeURIComponent("* | stats count() by device.hostname")}`);
  assert.match(await page.textContent("#stats"), /web01\s*2/);
  await page.goto(`${server.url}/console/search?q=${encodeURIComponent("(sshd")}`);
  assert.match(await page.textContent(".error"), /unbalanced/);
});

test("a user of one tenant cannot reach another tenant's data", async () => {
  await page.goto(`${server.url}/console/search?q=marker-beta-only`);
  assert.match(await page.textContent("#summary"), /^0 matches/);
  const foreignPage = await page.goto(`${server.url}/console/search?q=*&tenant=beta`);
  assert.equal(foreignPage.status(), 403);
  const api = await page.evaluate(async () => (await fetch("/api/v1/events?q=*&tenant=beta")).status);
  assert.equal(api, 403);
});

test("an audit administrator sees the overview with the audit tree, and the audit page", async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 720 } });
  const auditor = await context.newPage();
  await auditor.goto(`${server.url}/console/login`);
  await auditor.fill('input[name="tenant"]', "acme");
  await auditor.fill('input[name="user"]', "aud");
  await auditor.fill('input[name="password"]', password);
  await auditor.fill('input[name="totp"]', totp(auditSecret));
  await auditor.click('button[type="submit"]');
  await auditor.waitForURL(/\/console\/$/);
  assert.deepEqual(await auditor.locator(".top nav a").allTextContents(), ["Overview", "Audit", "Account"]);
  const tiles = await auditor.locator(".tile .label").allTextContents();
  assert.deepEqual(tiles, ["Audit tree"]);
  const search = await auditor.goto(`${server.url}/console/search?q=sshd`);
  assert.equal(search.status(), 403);
  await context.close();
});

test("signing out ends the session", async () => {
  await page.goto(`${server.url}/console/`);
  await page.click("#sign-out");
  await page.waitForURL(/\/console\/login$/);
  await page.goto(`${server.url}/console/search`);
  assert.match(page.url(), /\/console\/login$/);
});
