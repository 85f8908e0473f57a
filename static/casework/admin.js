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

  // Errors: each is tied to its field (aria-describedby) and the first field in error
  // takes focus, which scrolls it into view, instead of leaving the officer at the top.
  function firstError() {
    var form = document.querySelector("#content-main form");
    if (!form || !document.querySelector(".errornote")) { return; }
    var first = null;
    form.querySelectorAll(".form-row.errors, .fieldBox.errors").forEach(function (row) {
      var list = row.querySelector("ul.errorlist");
      var field = row.querySelector("input:not([type=hidden]), select, textarea");
      if (!list || !field) { return; }
      if (!list.id) { list.id = (field.id || field.name) + "_error"; }
      var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(list.id) === -1) {
        field.setAttribute("aria-describedby", [list.id].concat(described).join(" "));
      }
      field.setAttribute("aria-invalid", "true");
      if (!first) { first = field; }
    });
    var target = first || document.querySelector(".errornote");
    if (target === document.querySelector(".errornote")) { target.setAttribute("tabindex", "-1"); }
    target.focus();
  }

  function start() { savedReplies(); firstError(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
