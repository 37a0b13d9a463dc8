// Palisade console, administration and account pages: every change is a call to the API
// (the same routes, authorization and audit as the CLI), sent with the session's CSRF token.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const problem = document.getElementById("action-error");

  /** Calls the API; answers the parsed JSON, or shows the error and answers null. */
  async function call(method, url, body) {
    const headers = { "X-CSRF-Token": csrf };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const answer = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const parsed = await answer.json().catch(() => ({}));
    if (!answer.ok) {
      problem.textContent = parsed.error || `${method} ${url} answered ${answer.status}`;
      problem.hidden = false;
      return null;
    }
    problem.hidden = true;
    return parsed;
  }

  // Forms that create something: fields left empty are not sent.
  for (const form of document.querySelectorAll("form.api-form")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {};
      for (const [key, value] of new FormData(form)) if (value !== "") body[key] = value;
      const done = await call(form.dataset.method, form.dataset.action, body);
      if (!done) return;
      if (done.token) {
        // A new token is shown this once; reloading would lose it, so it is added in place.
        document.getElementById("token-value").textContent = done.token;
        document.getElementById("new-token-secret").hidden = false;
        form.reset();
        return;
      }
      window.location.reload();
    });
  }

  for (const button of document.querySelectorAll("button.revoke")) {
    button.addEventListener("click", async () => {
      if (await call("DELETE", `/api/v1/tokens/${encodeURIComponent(button.dataset.token)}`)) {
        button.replaceWith("revoked");
      }
    });
  }

  // Accounts: disable or enable (the API refuses disabling one's own account).
  for (const button of document.querySelectorAll("button.user-action")) {
    button.addEventListener("click", async () => {
      const { user, tenant, action } = button.dataset;
      const url = `/api/v1/users/${encodeURIComponent(user)}/${action}?tenant=${encodeURIComponent(tenant)}`;
      if (await call("POST", url)) window.location.reload();
    });
  }

  // Second factor: begin shows the server-drawn QR code and the secret; confirm enrols.
  document.getElementById("totp-begin")?.addEventListener("click", async () => {
    const offer = await call("POST", "/api/v1/users/me/totp");
    if (!offer) return;
    document.getElementById("totp-qr").innerHTML = offer.qr_svg;
    document.getElementById("totp-secret").textContent = offer.secret;
    document.getElementById("totp-offer").hidden = false;
    document.querySelector('#totp-confirm input[name="code"]').focus();
  });
  document.getElementById("totp-confirm")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = new FormData(event.target).get("code");
    if (await call("POST", "/api/v1/users/me/totp/confirm", { code })) {
      window.location.assign("/console/login?enrolled=1");
    }
  });
});
