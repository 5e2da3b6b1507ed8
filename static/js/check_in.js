// The check-in station: posts each code without reloading the page (so the camera keeps
// running), shows the answer in the live region, updates the counts and puts the cursor back
// in the code field for the next person. Without this script the form posts as usual.
(function () {
  "use strict";
  var form = document.getElementById("check-in-form");
  if (!form || !window.fetch) {
    return;
  }
  var field = document.getElementById("id_code");
  var result = document.getElementById("check-in-result");
  var present = document.getElementById("check-in-present");
  var expected = document.getElementById("check-in-expected");
  var busy = false;

  function show(outcome, message) {
    result.className = "check-in-result check-in-" + outcome;
    result.textContent = "";
    var heading = document.createElement("strong");
    heading.className = "check-in-outcome";
    heading.textContent = result.getAttribute("data-label-" + outcome) || "";
    var text = document.createElement("span");
    text.className = "check-in-message";
    text.textContent = message;
    result.appendChild(heading);
    result.appendChild(text);
  }

  function submit(code) {
    if (busy || !code.trim()) {
      field.focus();
      return;
    }
    busy = true;
    var data = new FormData(form);
    data.set("code", code);
    fetch(window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        show(answer.outcome, answer.message);
        present.textContent = answer.present;
        expected.textContent = answer.expected;
      })
      .catch(function () {
        // Offline or the session ended: the ordinary form post says what is wrong.
        form.submit();
      })
      .finally(function () {
        busy = false;
        field.value = "";
        field.focus();
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit(field.value);
  });

  // Camera scanning: with the browser's own QR reader (BarcodeDetector) where it has one, else
  // with jsQR, served from this site and loaded only then.
  var camera = document.getElementById("check-in-camera");
  var toggle = document.getElementById("check-in-camera-toggle");
  var video = document.getElementById("check-in-video");
  if (!camera || !navigator.mediaDevices) {
    return;
  }
  var detector;

  // jsQR reads pixels: each frame (or image) is drawn on a canvas first. The answer has the
  // shape of BarcodeDetector's, so scanning below does not care which reader it has.
  function canvasDetector(decode) {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return {
      detect: function (source) {
        var width = source.videoWidth || source.naturalWidth || source.width;
        var height = source.videoHeight || source.naturalHeight || source.height;
        if (!width || !height) {
          return Promise.resolve([]);
        }
        canvas.width = width;
        canvas.height = height;
        context.drawImage(source, 0, 0, width, height);
        var pixels = context.getImageData(0, 0, width, height);
        var code = decode(pixels.data, width, height, { inversionAttempts: "dontInvert" });
        return Promise.resolve(code ? [{ rawValue: code.data }] : []);
      },
    };
  }

  function fallbackLoad() {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = camera.getAttribute("data-fallback-src");
      script.onload = function () {
        if (window.jsQR) {
          resolve(canvasDetector(window.jsQR));
        } else {
          reject(new Error("jsQR did not load"));
        }
      };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function detectorLoad() {
    // Some browsers have the class but no QR format (desktop Chromium on Linux).
    if (!("BarcodeDetector" in window)) {
      return fallbackLoad();
    }
    return Promise.resolve(window.BarcodeDetector.getSupportedFormats())
      .then(function (formats) {
        if (formats.indexOf("qr_code") === -1) {
          return fallbackLoad();
        }
        return new window.BarcodeDetector({ formats: ["qr_code"] });
      })
      .catch(fallbackLoad);
  }

  detectorLoad().then(function (loaded) {
    detector = loaded;
    // The reader in use, on an image or a canvas: how its decoding can be checked as it runs.
    window.checkInScanner = {
      detect: function (source) {
        return detector.detect(source);
      },
    };
    cameraStart();
  }, function () {
    // No reader: typing the code is always there.
  });

  function cameraStart() {
    camera.hidden = false;
    var stream = null;
    var last = "";
    var lastAt = 0;

    function stop() {
      if (stream) {
        stream.getTracks().forEach(function (track) {
          track.stop();
        });
      }
      stream = null;
      video.hidden = true;
      toggle.textContent = camera.getAttribute("data-label-start");
    }

    function scan() {
      if (!stream) {
        return;
      }
      detector
        .detect(video)
        .then(function (codes) {
          var now = Date.now();
          if (codes.length) {
            var value = codes[0].rawValue;
            // The same code held in front of the camera is read once, not every frame.
            if (value !== last || now - lastAt > 4000) {
              last = value;
              lastAt = now;
              submit(value);
            }
          }
        })
        .catch(function () {})
        .finally(function () {
          window.setTimeout(scan, 250);
        });
    }

    toggle.addEventListener("click", function () {
      if (stream) {
        stop();
        field.focus();
        return;
      }
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          video.hidden = false;
          toggle.textContent = camera.getAttribute("data-label-stop");
          return video.play();
        })
        .then(scan)
        .catch(function () {
          stop();
          show("refused", camera.getAttribute("data-label-denied"));
          field.focus();
        });
    });
  }
})();
