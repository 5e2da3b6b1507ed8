// Changelist filters with the autocomplete widget: choosing a value applies the filter at once
// (the form's "Filter" button does the same without scripts). Select2 reports the choice as a
// jQuery event, so the listener is django.jQuery's.
(function () {
  "use strict";
  if (!window.django || !window.django.jQuery) {
    return;
  }
  var $ = window.django.jQuery;
  $(function () {
    $(".autocomplete-filter select").on("change", function () {
      this.form.submit();
    });
  });
})();
