/* The quote's document bundle panel: ask for the bundle, poll its state, show the downloads. No libraries. */
(function () {
  "use strict";
  var POLL_MS = 1500;
  var MAX_POLLS = 200;

  function show(el, visible) { if (el) { el.classList.toggle("is-hidden", !visible); } }

  function list(el, items) {
    if (!el) { return; }
    while (el.firstChild) { el.removeChild(el.firstChild); }
    (items || []).forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      el.appendChild(li);
    });
  }

  function render(panel, state) {
    var q = function (sel) { return panel.querySelector(sel); };
    panel.setAttribute("data-status", state.status);
    var missing = q("[data-bundle-missing]");
    list(missing && missing.querySelector("ul"), state.missing);
    show(missing, state.missing && state.missing.length > 0);
    show(q("[data-bundle-complete]"), !state.missing || state.missing.length === 0);
    show(q("[data-bundle-progress]"), state.status === "pending");
    show(q("[data-bundle-outdated]"), state.status === "outdated");
    var error = q("[data-bundle-error]");
    if (error && state.error) { error.textContent = state.error; }
    show(error, state.status === "failed");
    show(q("[data-bundle-ready]"), state.status === "ready");
    if (state.status === "ready") {
      q("[data-bundle-pdf]").setAttribute("href", state.pdf_url);
      q("[data-bundle-zip]").setAttribute("href", state.zip_url);
      q("[data-bundle-pages]").textContent = state.page_count;
      list(q("[data-bundle-contents]"), state.contents);
    }
    show(q("[data-bundle-form]"), state.status !== "ready" && state.status !== "pending");
  }

  function poll(panel, count) {
    if (count > MAX_POLLS) { return; }
    fetch(panel.getAttribute("data-status-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (state) {
        render(panel, state);
        if (state.status === "pending") { window.setTimeout(function () { poll(panel, count + 1); }, POLL_MS); }
      })
      .catch(function () { window.setTimeout(function () { poll(panel, count + 1); }, POLL_MS * 2); });
  }

  function init(panel) {
    if (panel.getAttribute("data-bundle-init")) { return; }
    panel.setAttribute("data-bundle-init", "1");
    var form = panel.querySelector("[data-bundle-form]");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("button");
        if (button) { button.disabled = true; }
        show(panel.querySelector("[data-bundle-progress]"), true);
        fetch(form.action, {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value }
        })
          .then(function (r) { return r.json(); })
          .then(function (state) {
            if (button) { button.disabled = false; }
            render(panel, state);
            if (state.status === "pending") { window.setTimeout(function () { poll(panel, 0); }, POLL_MS); }
          })
          .catch(function () { form.submit(); });
      });
    }
    if (panel.getAttribute("data-status") === "pending") { poll(panel, 0); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".bundle-panel"), init);
  });
}());
