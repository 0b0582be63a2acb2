// What every GridFlow page does in the browser.  Pages work without it; it only helps.
// (A file, not inline: the Content-Security-Policy refuses inline scripts.)
(function () {
  "use strict";

  // GOV.UK error summary: after a failed submit, focus goes to "There is a problem", so screen
  // readers announce it and keyboard users start from there.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }

  // A link in the summary puts the cursor in its field (a plain #fragment only scrolls), and
  // scrolls so that the field's label stays in view.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    var label = document.querySelector("label[for='" + CSS.escape(field.id) + "']");
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });

  // A button that prints the page (documents such as the mediation agreement).
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  document.addEventListener("DOMContentLoaded", focusErrorSummary);
  document.addEventListener("htmx:afterSettle", focusErrorSummary);
})();
