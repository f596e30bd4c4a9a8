// Live preview under each Markdown field of the staff forms. The server renders
// and sanitises (the same code as the public pages), so the preview is exact.
(function () {
  "use strict";
  var config = document.getElementById("preview-config");
  if (!config) { return; }
  var url = config.dataset.previewUrl;
  var token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  document.querySelectorAll("[data-preview-for]").forEach(function (box) {
    var field = document.getElementById(box.dataset.previewFor);
    var body = box.querySelector(".markdown-preview__body");
    var timer = null;
    function refresh() {
      var data = new FormData();
      data.append("text", field.value);
      fetch(url, { method: "POST", body: data, headers: { "X-CSRFToken": token }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { html: "" }; })
        .then(function (json) { body.innerHTML = json.html || ""; });
    }
    field.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 300); });
    refresh();
  });
})();
