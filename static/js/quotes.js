/* The vendor's answer form: show the discount against the catalog price as the unit price is typed. */
(function () {
  "use strict";
  document.querySelectorAll("[data-testid=answer-row][data-list-price]").forEach(function (row) {
    var listPrice = parseInt(row.getAttribute("data-list-price"), 10);
    var input = row.querySelector("input[name$='-unit_price']");
    var out = row.querySelector("[data-testid=percent-off]");
    if (!input || !out || !listPrice) { return; }
    var template = out.getAttribute("data-template") || "정가 대비 {p}% 할인";
    input.addEventListener("input", function () {
      var price = parseInt(input.value, 10);
      if (isNaN(price) || price >= listPrice) { out.textContent = ""; return; }
      var percent = Math.round((listPrice - price) * 1000 / listPrice) / 10;
      out.textContent = template.replace("{p}", String(percent));
    });
  });
})();
