// The case screen (errors take focus on every admin page: static/js/admin-errors.js).
// Loaded deferred (after the form exists); the DOMContentLoaded guard
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

  function start() { savedReplies(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
