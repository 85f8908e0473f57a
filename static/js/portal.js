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

  // Workplace search: the employer's workplaces for the employer in the employer box.
  var place = document.querySelector("input[data-workplace-search]");
  var places = document.getElementById("workplace-options");
  if (place && places && window.fetch) {
    var placeTimer = null, placeLast = null;
    var suggest = function () {
      var employer = input ? input.value.trim() : "";
      var key = employer + "\n" + place.value.trim();
      if (employer.length < 2 || key === placeLast) { return; }
      clearTimeout(placeTimer);
      placeTimer = setTimeout(function () {
        placeLast = key;
        fetch(place.getAttribute("data-workplace-search") + "?employer=" +
              encodeURIComponent(employer) + "&q=" + encodeURIComponent(place.value.trim()), {
          headers: { "Accept": "application/json" }, credentials: "same-origin"
        }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            places.textContent = "";
            data.results.forEach(function (w) {
              var option = document.createElement("option");
              option.value = w.label;
              if (w.town) { option.label = w.town; }
              places.appendChild(option);
            });
          }).catch(function () {});
      }, 200);
    };
    place.addEventListener("focus", suggest);
    place.addEventListener("input", suggest);
  }
})();
