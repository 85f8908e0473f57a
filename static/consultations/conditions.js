// Show a conditional question only when the answer it depends on is given. The server
// is the authority (it drops answers to hidden questions); without JavaScript every
// question shows, each with a hint saying when to answer it.
(function () {
  "use strict";
  var form = document.querySelector(".consultation-form");
  if (!form) { return; }
  var blocks = Array.prototype.slice.call(form.querySelectorAll("[data-show-if]"));
  if (!blocks.length) { return; }

  function norm(value) { return String(value).replace(/\s+/g, " ").trim().toLowerCase(); }

  function chosen(name) {
    var values = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name !== name || el.disabled) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      values.push(norm(el.value));
    });
    return values;
  }

  function update() {
    // In document order, so that a question hidden by an earlier one hides its own.
    blocks.forEach(function (block) {
      var wanted = norm(block.getAttribute("data-show-value"));
      var show = chosen(block.getAttribute("data-show-if")).indexOf(wanted) !== -1;
      block.hidden = !show;
      Array.prototype.forEach.call(block.querySelectorAll("input, textarea, select"), function (el) {
        el.disabled = !show;
      });
    });
  }

  form.addEventListener("change", update);
  update();
})();
