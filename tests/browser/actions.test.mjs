// The console's actions in a real browser against real servers: a security administrator
// creates, rotates, disables and schedules the deletion of a key from the keys page (a user
// gets no key page at all); a system administrator disables and enables an account; incidents are merged from the queue and alerts split back out
// from the incident page; the ticked alerts of the queue change status at once; and an
// operator unseals a Shamir-sealed server from the keys page, one share at a time.
// Screenshots of the new states go to docs/screenshots/ (1280x720).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import {
  startServer, createTenant, addUser, ingest, eventually as eventuallyWithin, signedInPage, sshFailureRule,
} from "./harness.mjs";

process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
const shots = resolve(import.meta.dirname, "../../docs/screenshots");
const password = "correct horse battery staple";
const ruleId = "console-actions-ssh-failure";
const rule = sshFailureRule(ruleId, "SSH password failure (actions test)");
let server, sealed, browser, sec;
const secrets = {};

/** Polls `probe` until it answers something truthy (15 s at most). */
const eventually = (probe, what) => eventuallyWithin(probe, what, 15);

/** A page of `on` signed in as `user` of `tenant` (password and, when enrolled, TOTP). */
const signedIn = (on, tenant, user) =>
  signedInPage(browser, on.url, { tenant, user, password, totpSecret: secrets[user] });

/** The text of a key's cell (`.state`, `.versions`) on the keys page. */
const keyCell = (page, name, cell) => page.locator(`#keys tr[data-key="${name}"] ${cell}`).textContent();

before(async () => {
  server = await startServer();
  await createTenant(server, "acme");
  secrets.sec = await addUser(server, { tenant: "acme", name: "sec", roles: "secadmin", password });
  assert.equal(await addUser(server, { tenant: "acme", name: "ann", roles: "user", password }), null);
  secrets.root = await addUser(server, { tenant: "acme", name: "root", roles: "sysadmin", password });
  const upload = await fetch(`${server.url}/api/v1/rules`, {
    method: "POST", headers: { authorization: `Bearer ${server.adminToken}` }, body: rule,
  });
  assert.equal(upload.status, 201, await upload.text());
  const now = Date.now();
  const at = (minutesAgo) => new Date(now - minutesAgo * 60_000).toISOString();
  // Two hosts: two incidents (grouped by rule and host), three alerts (user and address too).
  ingest(server, "acme", [
    `<38>1 ${at(50)} web01 sshd 411 - - Failed password for root from 203.0.113.9 port 52144 ssh2`,
    `<38>1 ${at(45)} web01 sshd 412 - - Failed password for admin from 203.0.113.9 port 52150 ssh2`,
    `<38>1 ${at(40)} web03 sshd 413 - - Failed password for root from 198.51.100.7 port 52152 ssh2`,
  ]);
  sealed = await startServer({ shamir: { shares: 3, threshold: 2 } });
  secrets.op = await addUser(sealed, { tenant: "default", name: "op", roles: "operator", password });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium" });
  sec = await signedIn(server, "acme", "sec");
});

after(async () => {
  await browser?.close();
  server?.stop();
  sealed?.stop();
});

test("a key is created, rotated, disabled, enabled and its deletion scheduled and cancelled from the keys page", async () => {
  await sec.goto(`${server.url}/console/keys`);
  assert.equal(await sec.locator("#seal-actions").count(), 0, "a security administrator may not seal or unseal");
  await sec.fill('#create-key input[name="name"]', "payments");
  await sec.selectOption('#create-key select[name="type"]', "aes256-gcm96");
  await sec.click('#create-key button[type="submit"]');
  await sec.waitForSelector('#keys tr[data-key="payments"]');
  assert.match(await keyCell(sec, "payments", ".versions"), /^v1 /);
  assert.equal(await keyCell(sec, "payments", ".state"), "enabled");

  await sec.click('#keys tr[data-key="payments"] button[data-action="rotate"]');
  await eventually(async () => /^v2 /.test(await keyCell(sec, "payments", ".versions")), "version 2");
  await sec.screenshot({ path: join(shots, "keys-actions.png") });

  // A refusal is shown in place: the name is taken.
  await sec.fill('#create-key input[name="name"]', "payments");
  await sec.click('#create-key button[type="submit"]');
  await sec.waitForSelector("#create-key .error:not([hidden])");
  assert.match(await sec.textContent("#create-key .error"), /payments/);

  await sec.click('#keys tr[data-key="payments"] button[data-action="disable"]');
  await eventually(async () => (await keyCell(sec, "payments", ".state")) === "disabled", "disabled");
  await sec.click('#keys tr[data-key="payments"] button[data-action="enable"]');
  await eventually(async () => (await keyCell(sec, "payments", ".state")) === "enabled", "enabled");

  sec.once("dialog", (dialog) => dialog.accept());
  await sec.fill('#keys tr[data-key="payments"] input[name="days"]', "7");
  await sec.click('#keys tr[data-key="payments"] button[data-action="schedule-deletion"]');
  await eventually(async () => (await keyCell(sec, "payments", ".state")) === "pending deletion", "pending deletion");
  assert.match(await sec.textContent('#keys tr[data-key="payments"]'), /scheduled \d{4}-/);
  await sec.click('#keys tr[data-key="payments"] button[data-action="cancel-deletion"]');
  await eventually(async () => (await keyCell(sec, "payments", ".state")) === "disabled", "deletion cancelled");
});

test("a user has no keys page and no key administration forms", async () => {
  const ann = await signedIn(server, "acme", "ann");
  assert.ok(!(await ann.locator(".top nav a").allTextContents()).includes("Keys"));
  const answer = await ann.goto(`${server.url}/console/keys`);
  assert.equal(answer.status(), 403);
  assert.equal(await ann.locator("#create-key, #unseal, button[data-action]").count(), 0);
  await ann.context().close();
});

test("a system administrator disables and enables an account from the admin page", async () => {
  const root = await signedIn(server, "acme", "root");
  await root.goto(`${server.url}/console/admin`);
  const annRow = root.locator('#users tr[data-user="ann"]');
  await annRow.locator("button.user-action").click();
  await eventually(async () => (await annRow.locator(".state").textContent().catch(() => "")) === "disabled", "ann disabled");
  const login = await fetch(`${server.url}/api/v1/login`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: "acme", user: "ann", password }),
  });
  assert.notEqual(login.status, 200, "a disabled account cannot sign in");
  await annRow.locator("button.user-action", { hasText: "Enable" }).click();
  await eventually(async () => (await annRow.locator(".state").textContent().catch(() => "")) === "active", "ann enabled");
  await root.locator('#users tr[data-user="root"] button.user-action').click();
  await root.waitForSelector("#action-error:not([hidden])");
  assert.match(await root.textContent("#action-error"), /your own account/);
  await root.context().close();
});

test("the ticked alerts change status at once and each links to its incident", async () => {
  await eventually(async () => {
    await sec.goto(`${server.url}/console/alerts?rule=${ruleId}`);
    return /^3 alerts/.test(await sec.textContent("#summary"));
  }, "three alerts");
  await sec.check("#alerts thead input[data-pick-all]");
  await sec.selectOption('#bulk-status select[name="status"]', "in_progress");
  await sec.click('#bulk-status button[type="submit"]');
  await eventually(async () => {
    const triage = await sec.locator("#alerts tbody .triage").allTextContents().catch(() => []);
    return triage.length === 3 && triage.every((t) => t === "in progress");
  }, "every alert in progress");
  await sec.screenshot({ path: join(shots, "alerts-bulk.png") });
  await sec.locator("#alerts tbody tr", { hasText: "web03" }).locator('a[href^="/console/incidents/"]').click();
  await sec.waitForURL(/\/console\/incidents\/\d+$/);
  assert.match(await sec.textContent("#linked-alerts"), /host=web03/);
});

test("two incidents are merged from the queue and an alert is split back out", async () => {
  await sec.goto(`${server.url}/console/incidents?rule=${ruleId}`);
  assert.match(await sec.textContent("#summary"), /^2 incidents$/);
  await sec.check("#incidents thead input[data-pick-all]");
  await sec.click("#bulk-acknowledge");
  await eventually(async () => {
    const states = await sec.locator("#incidents tbody .state").allTextContents().catch(() => []);
    return states.length === 2 && states.every((s) => s === "acknowledged");
  }, "both acknowledged");
  await sec.check("#incidents thead input[data-pick-all]");
  await sec.click("#bulk-merge");
  await eventually(async () => /^1 incident$/.test(await sec.textContent("#summary").catch(() => "")), "one open incident");
  await sec.locator("#incidents tbody tr a").first().click();
  await sec.waitForURL(/\/console\/incidents\/\d+$/);
  const merged = sec.url();
  assert.equal(await sec.locator("#linked-alerts tbody tr").count(), 3);
  assert.match(await sec.textContent("#timeline"), /sec\s*merged/);
  await sec.screenshot({ path: join(shots, "incident-merged.png") });

  await sec.locator("#linked-alerts tbody tr", { hasText: "host=web03" }).locator('input[name="alerts"]').check();
  await sec.click('#split button[type="submit"]');
  await sec.waitForURL((url) => /\/console\/incidents\/\d+$/.test(url.pathname) && url.href !== merged);
  assert.equal(await sec.locator("#linked-alerts tbody tr").count(), 1);
  assert.match(await sec.textContent("#linked-alerts"), /host=web03/);
  assert.equal(await sec.textContent("#state"), "new");
  await sec.goto(merged);
  assert.equal(await sec.locator("#linked-alerts tbody tr").count(), 2);
});

test("an operator unseals a Shamir-sealed server from the keys page, one share at a time", async () => {
  assert.equal(sealed.unsealShares.length, 3);
  const op = await signedIn(sealed, "default", "op");
  await op.goto(`${sealed.url}/console/keys`);
  assert.equal(await op.textContent("#seal .value"), "sealed");
  assert.equal(await op.locator("#create-key").count(), 0, "no keys to manage while sealed");
  assert.match(await op.textContent("main"), /listed once 2 unseal shares are submitted/);
  await op.fill('#unseal input[name="share"]', sealed.unsealShares[2]);
  await op.click('#unseal button[type="submit"]');
  await eventually(async () => /1 of 2 shares received/.test(await op.textContent("#unseal").catch(() => "")), "progress 1 of 2");
  assert.equal(await op.getAttribute("#unseal-progress", "value"), "1");
  await op.screenshot({ path: join(shots, "keys-unseal.png") });
  await op.fill('#unseal input[name="share"]', sealed.unsealShares[0]);
  await op.click('#unseal button[type="submit"]');
  await eventually(async () => (await op.textContent("#seal .value").catch(() => "")) === "unsealed", "unsealed");
  assert.equal(await op.locator("#unseal").count(), 0);
  assert.equal(await op.locator("#seal-now").count(), 1, "an unsealed service offers sealing");
  const status = await (await fetch(`${sealed.url}/v1/sys/seal-status`)).json();
  assert.equal(status.sealed, false);
});
