// Every admin page: after a refused save, the first field in error takes focus (which
// scrolls it into view) instead of leaving the officer at the top of a long form. Django
// marks each such field aria-invalid and ties its message to it; an error that belongs to
// no field: the error note takes focus. Loaded deferred (templates/admin/base_site.html).
(function () {
  "use strict";

  function visible(el) {
    return !el.disabled && el.type !== "hidden" && el.getClientRects().length > 0;
  }

  function target() {
    var main = document.getElementById("content-main") || document.body;
    var note = main.querySelector(".errornote");
    var list = main.querySelector(".errorlist");
    if (!note && !list) { return null; }
    var fields = main.querySelectorAll(
      "[aria-invalid=true], .errors :is(input, select, textarea)"
    );
    // A field marked data-error-follows (files "not kept" because something else was
    // refused) takes focus only when no field holds the refusal itself.
    for (var pass = 0; pass < 2; pass += 1) {
      for (var i = 0; i < fields.length; i += 1) {
        var field = fields[i];
        if (pass === 0 && field.hasAttribute("data-error-follows")) { continue; }
        var closed = field.closest("details:not([open])");
        if (closed) { closed.open = true; }
        if (visible(field)) { return field; }
      }
    }
    var fallback = note || list;
    fallback.setAttribute("tabindex", "-1");
    return fallback;
  }

  function start() {
    var first = target();
    if (!first) { return; }
    first.focus();
    // Django's change_form.js (async, on add forms) focuses the first field once it has
    // loaded: unless the officer has moved on already, the field in error keeps focus.
    var moved = false;
    function touched() { moved = true; }
    document.addEventListener("pointerdown", touched, true);
    document.addEventListener("keydown", touched, true);
    window.addEventListener("load", function () {
      if (!moved && document.activeElement !== first) { first.focus(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
