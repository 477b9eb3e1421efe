/* A page served from the page cache is the same for every visitor: this visitor's cart count
   comes from an uncached endpoint (ddasum.page_cache, orders.views.shop.visitor). */
(function () {
  "use strict";
  var url = document.body.getAttribute("data-visitor-url");
  if (!url || !window.fetch) return;
  fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      if (!data) return;
      document.querySelectorAll("[data-visitor-cart-count]").forEach(function (badge) {
        badge.textContent = data.cart_count;
        badge.hidden = !data.cart_count;
      });
    })
    .catch(function () {});
})();
