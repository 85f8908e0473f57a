// The case screen (errors take focus on every admin page: static/js/admin-errors.js).
// Loaded deferred (after the form exists); the DOMContentLoaded guard
// keeps it working if it is ever loaded without `defer`.
(function () {
  "use strict";

  // Saved replies: picking one fills the reply for the officer to edit before sending.
  // Focus stays on the list (WCAG 3.2.2): by keyboard each arrow key is a change, so
  // moving focus would stop the officer at the first reply. A reply still as it was
  // filled in is replaced without asking; one the officer has written or edited is not.
  function savedReplies() {
    var select = document.getElementById("id_saved_reply");
    var message = document.getElementById("id_message");
    var data = document.getElementById("saved-replies-data");
    if (!select || !message || !data) { return; }
    var bodies = JSON.parse(data.textContent);
    var filled = null;
    select.addEventListener("change", function () {
      var body = bodies[select.value];
      var untouched = !message.value.trim() || message.value === filled;
      if (body && (untouched || window.confirm("Replace the reply with this saved reply?"))) {
        message.value = body;
        filled = body;
      }
    });
  }

  // Shortcuts for the common actions, with Alt and Shift held so that no single key
  // typed in a text box ever triggers one (WCAG 2.1.4). Each one presses the button or
  // follows the link it names on the page; Ctrl+Enter in a text box saves and stays.
  function shortcuts() {
    var form = document.getElementById("case_form");
    if (!form) { return; }
    document.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.ctrlKey && event.target.matches("textarea, input")) {
        var stay = form.querySelector("input[name=_continue]");
        if (stay) { event.preventDefault(); stay.click(); }
        return;
      }
      if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) { return; }
      var key = (event.code || "").replace("Key", "").toLowerCase();
      var control = document.querySelector("[data-shortcut='" + key + "']");
      if (!control) { return; }
      event.preventDefault();
      var href = control.getAttribute("href");
      if (href && href.charAt(0) === "#") {
        var target = document.querySelector(href);
        if (target) { target.focus(); target.scrollIntoView({ block: "center" }); }
      } else {
        control.click();
      }
    });
    // The action links to a field move focus there, not only the view.
    document.querySelectorAll(".case-actions a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.querySelector(link.getAttribute("href"));
        if (target) { event.preventDefault(); target.focus(); target.scrollIntoView({ block: "center" }); }
      });
    });
  }

  function start() { savedReplies(); shortcuts(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
