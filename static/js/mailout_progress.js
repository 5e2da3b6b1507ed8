// The mail-out change page: refresh the counts and the progress bar while mail is queued.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.url;
  if (!url) {
    return;
  }
  function show(name, value) {
    var cell = document.querySelector(".field-" + name + " .readonly");
    if (cell) {
      cell.textContent = String(value);
    }
  }
  function update(counts) {
    ["total", "queued", "sent", "failed"].forEach(function (name) {
      show(name, counts[name]);
    });
    var cell = document.querySelector(".field-progress .readonly");
    var bar = cell && cell.querySelector("progress");
    if (bar) {
      bar.max = counts.total || 1;
      bar.value = counts.done;
      bar.textContent = counts.percent + " %";
      bar.nextSibling.textContent = " " + counts.percent + " %";
    }
    return counts.queued > 0;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (counts) {
        if (update(counts)) {
          window.setTimeout(poll, 3000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 15000);
      });
  }
  window.setTimeout(poll, 3000);
})();
