// Small enhancements on top of htmx. Everything works without this file.
(function () {
  "use strict";
  // After a form fragment comes back with errors (or an edit conflict), move focus to the
  // summary so that keyboard and screen-reader users learn what went wrong.
  // Look the summary up in the document: with an outerHTML swap the event's target is the
  // replaced (detached) form, and a history restore has no target at all.
  document.addEventListener("htmx:afterSwap", function (event) {
    var summary = document.getElementById("conflict-summary") ||
      document.getElementById("error-summary");
    if (summary && event.detail.target) { summary.focus(); }
  });
  // The search filters sit in a disclosure so that a phone shows the results first; on a
  // wide screen there is room beside the results, so it starts open there.
  function openFiltersWhenWide() {
    var filters = document.getElementById("filters");
    if (filters && window.matchMedia("(min-width: 48.01rem)").matches) { filters.open = true; }
  }
  document.addEventListener("DOMContentLoaded", openFiltersWhenWide);
  document.addEventListener("htmx:historyRestore", openFiltersWhenWide);
  // After "Nästa sida" the new page of results starts at the top, not where the link was:
  // focus (and so scroll to) the results, for keyboard and screen-reader users too.
  document.addEventListener("htmx:afterSwap", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    var results = document.getElementById("traffar");
    if (results && elt && elt.closest && elt.closest(".pager")) {
      results.focus();
      results.scrollIntoView({ block: "start" });
    }
  });
  // Copy buttons beside read-only addresses (feed addresses): shown only when they work.
  function showCopyButtons() {
    document.querySelectorAll(".copy-button[hidden]").forEach(function (button) {
      if (navigator.clipboard) { button.hidden = false; }
    });
  }
  document.addEventListener("DOMContentLoaded", showCopyButtons);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".copy-button");
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-copy"));
    navigator.clipboard.writeText(field.value).then(function () {
      var done = button.parentNode.querySelector(".copy-done");
      if (!done) {
        done = document.createElement("span");
        done.className = "copy-done";
        done.setAttribute("role", "status");
        button.parentNode.appendChild(done);
      }
      done.textContent = "Kopierad";
    });
  });
  // A request that fails (server error, expired session, lost network) must not fail
  // silently: tell the person and offer a reload.
  function showProblem(text) {
    var box = document.getElementById("htmx-problem");
    if (!box) {
      box = document.createElement("div");
      box.id = "htmx-problem";
      box.className = "flash flash-error";
      box.setAttribute("role", "alert");
      var main = document.getElementById("main");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 401 || status === 400) {
      showProblem("Din session har gått ut eller sidan är för gammal. Ladda om sidan och logga in igen.");
    } else if (status === 403) {
      showProblem("Du har inte behörighet att göra detta.");
    } else {
      showProblem("Något gick fel (" + status + "). Försök igen om en stund.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    showProblem("Kunde inte nå servern. Kontrollera nätverket och försök igen.");
  });
})();
