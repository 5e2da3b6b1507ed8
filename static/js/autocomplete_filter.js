// Changelist filters with the autocomplete widget: choosing a value applies the filter at once
// (the form's "Filter" button does the same without scripts). Select2 reports the choice as a
// jQuery event, so the listener is django.jQuery's.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (!window.django || !window.django.jQuery) {
    return;
  }
  window.django.jQuery(".autocomplete-filter select").on("change", function () {
    this.form.submit();
  });
});
