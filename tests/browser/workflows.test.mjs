// The SOC workflow pages in a real browser (headless Chromium through playwright-core)
// against a real server: the live overview, the alert queue, an incident acknowledged,
// assigned and noted, a bad rule upload refused with its problem shown inline, a rule tested
// over recent events, and tenant isolation of incident and alert pages. Screenshots of each
// page go to docs/screenshots/ (1280x720).
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
const ruleId = "console-ssh-password-failure";
const rule = sshFailureRule(ruleId, "SSH password failure (console test)");
let server, browser, analyst, operator, secrets = {};
let betaIncident, betaAlert;

/** Calls the API with the bootstrap operator's token. */
async function api(path, options = {}) {
  const answer = await fetch(`${server.url}${path}`, {
    ...options,
    headers: { authorization: `Bearer ${server.adminToken}`, ...(options.headers || {}) },
  });
  return { status: answer.status, body: await answer.json().catch(() => null) };
}

/** Polls `probe` until it answers something truthy (10 s at most). */
const eventually = (probe, what) => eventuallyWithin(probe, what, 10);

/** A page signed in as `user` of `tenant` (password and, when enrolled, TOTP). */
const signedIn = (tenant, user) =>
  signedInPage(browser, server.url, { tenant, user, password, totpSecret: secrets[user] });

before(async () => {
  server = await startServer();
  await createTenant(server, "acme");
  await createTenant(server, "beta");
  secrets.ana = await addUser(server, { tenant: "acme", name: "ana", roles: "secadmin", password });
  secrets.op = await addUser(server, { tenant: "default", name: "op", roles: "operator", password });
  const upload = await api("/api/v1/rules", { method: "POST", body: rule });
  assert.equal(upload.status, 201, JSON.stringify(upload.body));
  const now = Date.now();
  const at = (minutesAgo) => new Date(now - minutesAgo * 60_000).toISOString();
  ingest(server, "acme", [
    `<38>1 ${at(50)} web01 sshd 411 - - Failed password for root from 203.0.113.9 port 52144 ssh2`,
    `<38>1 ${at(45)} web01 sshd 412 - - Failed password for admin from 203.0.113.9 port 52150 ssh2`,
    `<38>1 ${at(40)} web01 sshd 413 - - Failed password for root from 203.0.113.9 port 52152 ssh2`,
    `<38>1 ${at(35)} web02 sshd 900 - - Accepted publickey for deploy from 198.51.100.4 port 40022 ssh2`,
  ]);
  ingest(server, "beta", [`<38>1 ${at(3)} betahost sshd 5 - - Failed password for betauser from 192.0.2.77 port 1 ssh2`]);
  betaIncident = await eventually(async () => (await api("/api/v1/incidents?tenant=beta")).body?.incidents?.[0]?.id, "beta's incident");
  betaAlert = (await api("/api/v1/alerts?tenant=beta")).body.alerts[0].id;
  await eventually(async () => (await api("/api/v1/incidents?tenant=acme")).body?.incidents?.length, "acme's incident");
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium" });
  analyst = await signedIn("acme", "ana");
  operator = await signedIn("default", "op");
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("the overview shows alerts, incidents, the attack trend, users and addresses, and refreshes itself", async () => {
  const nav = await analyst.locator(".top nav a").allTextContents();
  assert.deepEqual(nav.filter((n) => ["Alerts", "Incidents", "Rules"].includes(n)), ["Alerts", "Incidents", "Rules"]);
  assert.match(await analyst.textContent("#alert-levels"), /2\s*high/);
  assert.match(await analyst.textContent("#incident-levels"), /1\s*high/);
  assert.equal(await analyst.locator("#alert-trend rect.bar").count(), 24);
  assert.match(await analyst.textContent("#users"), /root\s*2/);
  assert.match(await analyst.textContent("#addresses"), /203\.0\.113\.9\s*3/);
  assert.doesNotMatch(await analyst.textContent("#live"), /betahost|betauser|192\.0\.2\.77/);
  // The hosts last heard from more than half an hour ago are listed as silent.
  assert.match(await analyst.textContent("#silent"), /web01/);
  // The server pushes the panels again within seconds; the page swaps them in without a reload.
  await analyst.evaluate(() => { document.querySelector("#live .drawn").textContent = "stale"; });
  await analyst.waitForFunction(() => document.querySelector("#live-state").textContent === "live", null, { timeout: 15_000 });
  assert.match(await analyst.textContent("#live .drawn"), /drawn/);
  await analyst.goto(`${server.url}/console/?wall=1`);
  assert.equal(await analyst.locator(".overview.wall").count(), 1);
  await analyst.screenshot({ path: join(shots, "overview-wall.png") });
});

test("the alert queue filters by level, rule and status and links to the events", async () => {
  await analyst.goto(`${server.url}/console/alerts`);
  await analyst.screenshot({ path: join(shots, "alerts.png") });
  // Repeats of one rule, host, user and address fold into one alert: root's two failures.
  await analyst.fill('input[name="rule"]', ruleId);
  await analyst.click('form.filters button[type="submit"]');
  assert.match(await analyst.textContent("#summary"), /^2 alerts/);
  const levels = await analyst.locator("#alerts tbody tr .badge").allTextContents();
  assert.deepEqual(levels, ["high", "high"]);
  assert.match(await analyst.textContent("#alerts"), /new \(#\d+\)/);
  await analyst.selectOption('select[name="level"]', "critical");
  await analyst.click('form.filters button[type="submit"]');
  assert.match(await analyst.textContent("#summary"), /^0 alerts/);
  await analyst.goto(`${server.url}/console/alerts?status=none&rule=${ruleId}`);
  assert.match(await analyst.textContent("#summary"), /^0 alerts/);
  await analyst.goto(`${server.url}/console/alerts?status=open&rule=${ruleId}`);
  assert.match(await analyst.textContent("#summary"), /^2 alerts/);
  await analyst.goto(`${server.url}/console/alerts?level=severe`);
  assert.match(await analyst.textContent(".error"), /unknown level/);
  await analyst.goto(`${server.url}/console/alerts?rule=${ruleId}`);
  await analyst.locator("#alerts tbody tr", { hasText: "user=root" }).locator("a", { hasText: "SSH password failure" }).click();
  assert.match(await analyst.textContent("#alert"), /src_ip\s*203\.0\.113\.9/);
  await analyst.screenshot({ path: join(shots, "alert.png") });
  await analyst.click("text=Open the matching events in search");
  await analyst.waitForSelector("#events");
  assert.match(await analyst.textContent("#summary"), /^2 matches/);
  assert.match(await analyst.textContent("#events"), /Failed password for/);
});

test("an incident is acknowledged, assigned and noted from its page", async () => {
  await analyst.goto(`${server.url}/console/incidents`);
  await analyst.screenshot({ path: join(shots, "incidents.png") });
  await analyst.goto(`${server.url}/console/incidents?rule=${ruleId}`);
  assert.match(await analyst.textContent("#summary"), /^1 incident$/);
  await analyst.locator("#incidents tbody tr a").first().click();
  await analyst.waitForURL(/\/console\/incidents\/\d+$/);
  assert.equal(await analyst.textContent("#state"), "new");
  assert.equal(await analyst.locator("#linked-alerts tbody tr").count(), 2);
  await analyst.click('button[data-to="acknowledged"]');
  await analyst.waitForFunction(() => document.querySelector("#state").textContent === "acknowledged");
  assert.match(await analyst.textContent("#timeline"), /ana\s*state\s*new → acknowledged/);
  await analyst.fill('input[name="assignee"]', "ana");
  await analyst.click("button:has-text(\"Assign\")");
  await analyst.waitForFunction(() => document.querySelector("#assignee").textContent === "ana");
  await analyst.fill('textarea[name="text"]', "blocked 203.0.113.9 at the edge");
  await analyst.click("button:has-text(\"Add note\")");
  await analyst.waitForFunction(() => document.querySelector("#timeline").textContent.includes("blocked 203.0.113.9"));
  // A move the lifecycle forbids is refused by the API and the reason is shown on the page.
  const refused = await analyst.evaluate(async () => {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const answer = await fetch(`/api/v1/incidents/${location.pathname.split("/").pop()}`, {
      method: "PATCH", headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" }, body: '{"state":"closed"}',
    });
    return answer.status;
  });
  assert.equal(refused, 409);
  await analyst.screenshot({ path: join(shots, "incident.png") });
  const [incident] = (await api(`/api/v1/incidents?tenant=acme&rule=${ruleId}`)).body.incidents;
  assert.equal(incident.state, "acknowledged");
  assert.equal(incident.assignee, "ana");
});

test("a bad rule upload is refused with its line and reason shown inline", async () => {
  await operator.goto(`${server.url}/console/rules`);
  const broken = rule.replace(`id: ${ruleId}`, "id: console-broken-rule").replace("condition: selection", "condition: selection and missing");
  await operator.fill("#upload textarea", broken);
  await operator.click('#upload button[type="submit"]');
  const problem = operator.locator("#upload .problems li").first();
  await problem.waitFor();
  assert.match(await problem.textContent(), /missing/);
  assert.match(await operator.textContent("#upload .error"), /line \d+/);
  await operator.screenshot({ path: join(shots, "rules.png") });
  assert.equal((await api("/api/v1/rules/console-broken-rule")).status, 404, "nothing was stored");
  const row = operator.locator(`#rules tr[data-rule="${ruleId}"]`);
  await row.locator("text=Disable").click();
  await operator.waitForFunction((id) => document.querySelector(`#rules tr[data-rule="${id}"] .state`).textContent === "disabled", ruleId);
  await operator.locator(`#rules tr[data-rule="${ruleId}"]`).locator("text=Enable").click();
  await operator.waitForFunction((id) => document.querySelector(`#rules tr[data-rule="${id}"] .state`).textContent === "enabled", ruleId);
});

test("a security administrator changes rules for its own tenant only and tests one over recent events", async () => {
  await analyst.goto(`${server.url}/console/rules`);
  assert.equal(await analyst.locator("#upload").count(), 1);
  const call = (action) => analyst.evaluate(async ([id, action]) => (await fetch(`/api/v1/rules/${id}/${action}`, {
    method: "POST", headers: { "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content },
  })).status, [ruleId, action]);
  assert.equal(await call("disable"), 200);
  assert.equal((await api(`/api/v1/rules/${ruleId}`)).body.rule.enabled, true, "disabled for acme only, not globally");
  assert.equal(await call("enable"), 200);
  await analyst.locator(`#rules tr[data-rule="${ruleId}"] a`, { hasText: "test" }).click();
  assert.match(await analyst.textContent("#test-summary"), new RegExp(`^3 of the newest \\d+ stored events match ${ruleId}`));
  assert.equal(await analyst.locator("#test-matches tbody tr").count(), 3);
  await analyst.screenshot({ path: join(shots, "rules-test.png") });
  await analyst.fill('#test textarea', "title: [unclosed");
  await analyst.click('#test button[type="submit"]');
  assert.match(await analyst.textContent("#test-problems"), /invalid YAML/);
});

test("a user of one tenant cannot open another tenant's incident or alert pages", async () => {
  const incident = await analyst.goto(`${server.url}/console/incidents/${betaIncident}`);
  assert.equal(incident.status(), 404);
  const alert = await analyst.goto(`${server.url}/console/alerts/${betaAlert}`);
  assert.equal(alert.status(), 404);
  await analyst.goto(`${server.url}/console/incidents?state=`);
  assert.doesNotMatch(await analyst.textContent("main"), /betahost/);
  await analyst.goto(`${server.url}/console/alerts`);
  assert.doesNotMatch(await analyst.textContent("main"), /betahost|192\.0\.2\.77/);
  const viaApi = await analyst.evaluate(async (id) => (await fetch(`/api/v1/incidents/${id}?tenant=beta`)).status, betaIncident);
  assert.equal(viaApi, 403);
});
