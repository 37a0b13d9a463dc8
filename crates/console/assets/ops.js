// Palisade console, SOC workflows: actions on incidents, alerts, rules and keys through the
// HTTP API (the same calls, authorization and audit as the CLI; the session's CSRF token in a
// header), one by one or on every ticked row, and
// the overview's live panels over server-sent events.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Shows why an action failed: the message, and each validation problem (file, line, reason).
function showFailure(form, answer) {
  const box = form.querySelector(".error") || document.getElementById("action-error");
  if (box) {
    box.textContent = answer.error || "the request failed";
    box.hidden = false;
  }
  const list = form.querySelector(".problems");
  if (list && Array.isArray(answer.problems)) {
    list.replaceChildren(...answer.problems.map((p) => {
      const item = document.createElement("li");
      const where = document.createElement("code");
      where.textContent = p.line ? `${p.file}:${p.line}` : p.file;
      item.append(where, ` ${p.reason}`);
      return item;
    }));
    list.hidden = answer.problems.length === 0;
  }
}

// The JSON body of a form: the fixed fields of data-json, then its fields; a field named in
// data-lists becomes an array (every value, each split at commas and spaces), and one named
// in data-numbers a number (or an array of numbers). Throws on a number that is not one.
function formBody(form) {
  const names = (attribute) => (attribute || "").split(" ").filter(Boolean);
  const lists = names(form.dataset.lists);
  const numbers = names(form.dataset.numbers);
  const body = form.dataset.json ? JSON.parse(form.dataset.json) : {};
  const data = new FormData(form);
  const convert = (name, text) => {
    if (!numbers.includes(name)) return text;
    const value = Number(text);
    if (text.trim() === "" || !Number.isInteger(value)) throw new Error(`${name}: ${JSON.stringify(text)} is not a whole number`);
    return value;
  };
  for (const name of new Set(data.keys())) {
    body[name] = lists.includes(name)
      ? data.getAll(name).flatMap((v) => String(v).split(/[\s,]+/)).filter(Boolean).map((v) => convert(name, v))
      : convert(name, String(data.get(name)));
  }
  for (const name of lists) body[name] ??= [];
  return body;
}

// Sends one API call; answers {ok: the answer} or {failed: the API's refusal ({error, problems})}.
async function callApi(path, method, headers, body) {
  const answer = await fetch(path, { method, headers, body });
  if (answer.ok) return { ok: await answer.json().catch(() => ({})) };
  return { failed: await answer.json().catch(() => ({ error: `HTTP ${answer.status}` })) };
}

// The ids ticked in the page's pick boxes (data-pick), in page order.
function pickedIds() {
  return [...document.querySelectorAll("input[data-pick]:checked")].map((box) => box.value);
}

// A data-bulk form runs its call once per ticked row ({id} in data-api is the row's id), or,
// with data-bulk="merge", once: the oldest ticked incident takes in the others. Every refusal
// is listed; when all succeed the page reloads.
async function submitBulk(form, headers) {
  const ids = pickedIds();
  if (ids.length === 0 || (form.dataset.bulk === "merge" && ids.length < 2)) {
    throw new Error(form.dataset.bulk === "merge" ? "tick at least two incidents to merge" : "tick at least one row first");
  }
  const method = form.dataset.method || "POST";
  const calls = form.dataset.bulk === "merge"
    ? [(() => {
      const sorted = ids.map(Number).sort((a, b) => a - b);
      return [sorted[0], JSON.stringify({ incidents: sorted.slice(1) })];
    })()]
    : ids.map((id) => [id, JSON.stringify(formBody(form))]);
  const failures = [];
  for (const [id, body] of calls) {
    const path = form.dataset.api.replace("{id}", encodeURIComponent(id));
    const outcome = await callApi(path, method, headers, body);
    if (outcome.failed) failures.push(`${id}: ${outcome.failed.error || "refused"}`);
  }
  if (failures.length === 0) return null;
  return { error: `${failures.length} of ${calls.length} refused: ${failures.join("; ")}` };
}

// A form with data-api sends its fields as JSON (or, with data-body="text", its text box as
// the body) to that API path; success reloads the page (or, with data-go, opens that page,
// {id} taken from the answer), failure is shown in the form. data-confirm asks first.
async function submitToApi(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.api) return;
  event.preventDefault();
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
  const headers = { "X-CSRF-Token": csrfToken() };
  const buttons = form.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    let failed;
    let answer = {};
    if (form.dataset.body === "text") {
      headers["Content-Type"] = "application/yaml";
      ({ failed } = await callApi(form.dataset.api, form.dataset.method || "POST", headers, form.querySelector("textarea").value));
    } else if (form.dataset.bulk) {
      headers["Content-Type"] = "application/json";
      failed = await submitBulk(form, headers);
    } else {
      headers["Content-Type"] = "application/json";
      ({ ok: answer, failed } = await callApi(form.dataset.api, form.dataset.method || "POST", headers, JSON.stringify(formBody(form))));
    }
    if (!failed) {
      if (form.dataset.go && answer && answer.id !== undefined) {
        window.location.assign(form.dataset.go.replace("{id}", encodeURIComponent(answer.id)));
      } else {
        window.location.reload();
      }
      return;
    }
    showFailure(form, failed);
  } catch (e) {
    showFailure(form, { error: e instanceof Error ? e.message : String(e) });
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

// A header box with data-pick-all ticks or clears every pick box of its table.
function pickAll(event) {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !("pickAll" in box.dataset)) return;
  const table = box.closest("table");
  if (table) table.querySelectorAll("input[data-pick]").forEach((b) => { b.checked = box.checked; });
}

// The overview's panels, replaced with each pushed rendering.
function followLive(root) {
  const panels = document.getElementById("live");
  const state = document.getElementById("live-state");
  const source = new EventSource(root.dataset.live);
  source.addEventListener("panels", (message) => {
    panels.innerHTML = JSON.parse(message.data);
    if (state) state.textContent = "live";
  });
  source.addEventListener("error", () => {
    if (state) state.textContent = "reconnecting…";
    // A closed stream means the session ended: the reload leads to the sign-in page.
    if (source.readyState === EventSource.CLOSED) setTimeout(() => window.location.reload(), 5000);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.addEventListener("submit", submitToApi);
  document.addEventListener("change", pickAll);
  const live = document.querySelector("[data-live]");
  if (live && "EventSource" in window) followLive(live);
});
