// Changelist filters with the autocomplete widget: choosing a value applies the filter at once
// (the form's "Filter" button does the same without scripts). Select2 reports the choice as a
// jQuery event, so the listener is django.jQuery's. Select2's box is named by its chosen value
// only, so it is named by the filter's label too (empty, it would have no name at all); the
// box exists once the admin's autocomplete has run in its own ready callback, hence the
// timeout after ours.
(function () {
  "use strict";
  if (!window.django || !window.django.jQuery) {
    return;
  }
  var $ = window.django.jQuery;
  function name() {
    document.querySelectorAll(".autocomplete-filter").forEach(function (form) {
      var label = form.querySelector("label");
      if (!label) {
        return;
      }
      label.id = label.id || label.htmlFor + "-label";
      form.querySelectorAll(".select2-selection, .select2-selection__rendered").forEach(function (box) {
        var own = box.getAttribute("aria-labelledby") || "";
        if (own.split(" ").indexOf(label.id) === -1) {
          box.setAttribute("aria-labelledby", (label.id + " " + own).trim());
        }
      });
    });
  }
  $(function () {
    window.setTimeout(name, 0);
    $(".autocomplete-filter select").on("change", function () {
      this.form.submit();
    });
  });
})();
