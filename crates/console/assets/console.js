// Palisade console: the little the pages cannot do without a script.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const csrf = document.querySelector('meta[name="csrf-token"]');
  const signOut = document.getElementById("sign-out");
  if (signOut && csrf) {
    signOut.addEventListener("click", async () => {
      await fetch("/api/v1/logout", { method: "POST", headers: { "X-CSRF-Token": csrf.content } });
      window.location.assign("/console/login");
    });
  }
  // "/" jumps to the query box, as in most search tools.
  const query = document.getElementById("q");
  document.addEventListener("keydown", (event) => {
    const typing = event.target instanceof HTMLInputElement;
    if (query && event.key === "/" && !typing) {
      event.preventDefault();
      query.focus();
    }
  });
});
