// The case screen. Loaded deferred (after the form exists); the DOMContentLoaded guard
// keeps it working if it is ever loaded without `defer`.
(function () {
  "use strict";

  // Saved replies: picking one fills the reply for the officer to edit before sending.
  function savedReplies() {
    var select = document.getElementById("id_saved_reply");
    var message = document.getElementById("id_message");
    var data = document.getElementById("saved-replies-data");
    if (!select || !message || !data) { return; }
    var bodies = JSON.parse(data.textContent);
    select.addEventListener("change", function () {
      var body = bodies[select.value];
      if (body && (!message.value.trim() || window.confirm("Replace the reply with this saved reply?"))) {
        message.value = body;
        message.focus();
      }
    });
  }

  // Errors: Django ties each to its field (aria-describedby, aria-invalid); the first
  // field in error takes focus, which scrolls it into view, instead of leaving the officer
  // at the top of a long page. An error that belongs to no field: its summary takes focus.
  function firstError() {
    var summary = document.querySelector("#content-main .errornote");
    if (!summary) { return; }
    var first = document.querySelector(
      "#content-main form .errors :is(input:not([type=hidden]), select, textarea)"
    );
    if (!first) {
      summary.setAttribute("tabindex", "-1");
      first = summary;
    }
    first.focus();
  }

  function start() { savedReplies(); firstError(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
