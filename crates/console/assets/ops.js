// Palisade console, SOC workflows: actions on incidents and rules through the HTTP API (the
// same calls, authorization and audit as the CLI; the session's CSRF token in a header), and
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

// A form with data-api sends its fields as JSON (or, with data-body="text", its text box as
// the body) to that API path; success reloads the page, failure is shown in the form.
async function submitToApi(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.api) return;
  event.preventDefault();
  const headers = { "X-CSRF-Token": csrfToken() };
  let body;
  if (form.dataset.body === "text") {
    headers["Content-Type"] = "application/yaml";
    body = form.querySelector("textarea").value;
  } else {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(Object.fromEntries(new FormData(form)));
  }
  const buttons = form.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const answer = await fetch(form.dataset.api, { method: form.dataset.method || "POST", headers, body });
    if (answer.ok) {
      window.location.reload();
      return;
    }
    showFailure(form, await answer.json().catch(() => ({ error: `HTTP ${answer.status}` })));
  } catch (e) {
    showFailure(form, { error: String(e) });
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
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
  const live = document.querySelector("[data-live]");
  if (live && "EventSource" in window) followLive(live);
});
