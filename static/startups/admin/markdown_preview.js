// Live preview of a Markdown description in the admin, rendered and sanitised
// by the server exactly as on the public page. Without JavaScript the form works
// as usual, without the preview.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function attach(textarea) {
    var url = textarea.getAttribute("data-preview-url");
    if (!url || !textarea.form) {
      return;
    }
    var panel = document.createElement("div");
    panel.className = "markdown-preview";
    panel.setAttribute("aria-live", "polite");
    var heading = document.createElement("p");
    heading.className = "markdown-preview__title";
    heading.textContent = textarea.getAttribute("data-preview-title") || "Preview";
    var body = document.createElement("div");
    body.className = "markdown-preview__body";
    panel.appendChild(heading);
    panel.appendChild(body);
    // The editor and its preview side by side on a wide screen, one under the
    // other on a narrow one (static/startups/admin/staff.css).
    var editor = document.createElement("div");
    editor.className = "markdown-editor";
    textarea.parentNode.insertBefore(editor, textarea);
    editor.appendChild(textarea);
    editor.appendChild(panel);

    var timer = null;
    var latest = 0;
    function refresh() {
      var request = ++latest;
      var data = new FormData();
      data.append("text", textarea.value);
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(textarea.form) },
      })
        .then(function (response) {
          return response.ok ? response.text() : Promise.reject(response.status);
        })
        .then(function (html) {
          // The server sanitised this HTML (nh3); only the newest answer shows.
          if (request === latest) {
            body.innerHTML = html;
          }
        })
        .catch(function () {});
    }
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-preview-url]").forEach(attach);
  });
})();
