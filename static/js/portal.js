// Small enhancements; every page works without them.
(function () {
  "use strict";
  // The phone menu: one button that shows and hides the links (CSS hides it on wide screens).
  var toggle = document.querySelector("[data-menu-toggle]");
  var nav = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (toggle && nav) {
    var header = toggle.closest(".site-header");
    header.classList.add("has-menu");
    var setOpen = function (open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("is-open", open);
    };
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  // After a failed submit, move focus to the error summary so it is read out first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }

  // Employer search: fill the datalist from the server as the person types.
  var input = document.querySelector("input[data-employer-search]");
  var list = document.getElementById("employer-options");
  if (input && list && window.fetch) {
    var timer = null, last = "";
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = q;
        fetch(input.getAttribute("data-employer-search") + "?q=" + encodeURIComponent(q), {
          headers: { "Accept": "application/json" }, credentials: "same-origin"
        }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            list.textContent = "";
            data.results.forEach(function (e) {
              var option = document.createElement("option");
              option.value = e.label;
              option.label = e.kind;
              list.appendChild(option);
            });
          }).catch(function () {});
      }, 200);
    });
  }
})();
