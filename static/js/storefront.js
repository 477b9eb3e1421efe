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
