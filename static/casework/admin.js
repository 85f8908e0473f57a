// Saved replies: picking one fills the message box for the officer to edit before sending.
(function () {
  "use strict";
  var select = document.getElementById("id_saved_reply");
  var message = document.getElementById("id_message");
  var data = document.getElementById("saved-replies-data");
  if (!select || !message || !data) { return; }
  var bodies = JSON.parse(data.textContent);
  select.addEventListener("change", function () {
    var body = bodies[select.value];
    if (body && (!message.value.trim() || window.confirm("Replace the message with this saved reply?"))) {
      message.value = body;
      message.focus();
    }
  });
})();
