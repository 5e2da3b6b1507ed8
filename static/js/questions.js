// Registration questions shown only after a given earlier answer: hidden (and out of the tab
// order) until that answer is given, shown again as soon as it is. Without this script every
// question shows, each conditional one saying in its help text when to answer it, and the
// server decides what applies.
(function () {
  "use strict";
  var form = document.querySelector("form.registration-form");
  if (!form) {
    return;
  }
  var dependants = [];
  var seen = {};
  form.querySelectorAll("[data-condition-on]").forEach(function (input) {
    if (seen[input.name]) {
      return;
    }
    seen[input.name] = true;
    var wrapper = document.getElementById("div_id_" + input.name) || input.closest(".mb-3");
    dependants.push({
      name: input.name,
      on: input.getAttribute("data-condition-on"),
      value: input.getAttribute("data-condition-value"),
      wrapper: wrapper,
    });
  });
  if (!dependants.length) {
    return;
  }
  var hidden = {};

  function answers(name) {
    if (hidden[name]) {
      return [];
    }
    var values = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) {
        return;
      }
      values.push(input.value);
    });
    return values;
  }

  function update() {
    // In the order asked: a question hidden because of an earlier one hides its own dependants.
    dependants.forEach(function (dependant) {
      var shown = answers(dependant.on).indexOf(dependant.value) !== -1;
      hidden[dependant.name] = !shown;
      if (dependant.wrapper) {
        dependant.wrapper.hidden = !shown;
      }
    });
  }

  form.addEventListener("change", update);
  update();
})();
