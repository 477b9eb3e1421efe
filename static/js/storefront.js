/* Storefront niceties; every page works without them. */
(function () {
  "use strict";
  // Sort selects apply at once (a <noscript> button does it without JavaScript).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      var form = select.form;
      if (!form) return;
      var page = form.querySelector("input[name=page]");
      if (page) page.remove();
      form.submit();
    });
  });
  // What templates may not do inline under the Content-Security-Policy (no style="…", no on…=):
  // a campaign's colour, a progress bar's width and "are you sure?" before a form is sent.
  document.querySelectorAll("[data-theme]").forEach(function (el) {
    el.style.setProperty("--theme", el.getAttribute("data-theme"));
  });
  document.querySelectorAll("[data-progress]").forEach(function (el) {
    var value = parseFloat(el.getAttribute("data-progress"));
    if (!isNaN(value)) el.style.width = Math.max(0, Math.min(100, value)) + "%";
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
  // Product gallery: a thumbnail shows its picture in the main frame.
  var main = document.getElementById("gallery-main");
  if (main) {
    document.querySelectorAll("[data-gallery-src]").forEach(function (button) {
      button.addEventListener("click", function () {
        main.src = button.getAttribute("data-gallery-src");
        main.alt = button.getAttribute("data-gallery-alt") || "";
        document.querySelectorAll("[data-gallery-src]").forEach(function (b) { b.removeAttribute("aria-current"); });
        button.setAttribute("aria-current", "true");
      });
    });
  }
})();
