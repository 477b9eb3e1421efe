/* Campaign countdowns: the server renders the time left; this keeps it ticking. No libraries. */
(function () {
  "use strict";
  var clocks = document.querySelectorAll("[data-countdown]");
  if (!clocks.length) return;
  var dayFormat = document.documentElement.lang && document.documentElement.lang.indexOf("ko") !== 0 ? "d " : "일 ";
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function render(seconds) {
    var days = Math.floor(seconds / 86400);
    var rest = seconds % 86400;
    var clock = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor((rest % 3600) / 60)) + ":" + pad(rest % 60);
    return days ? days + dayFormat + clock : clock;
  }
  // Count from the seconds the server measured, so a visitor's wrong clock changes nothing; a page
  // served from the page cache says how many seconds ago it was measured (data-page-age).
  var age = parseInt(document.body.getAttribute("data-page-age") || "0", 10) || 0;
  var loaded = Date.now() - age * 1000;
  var reloaded = false;
  function tick() {
    var now = Date.now();
    clocks.forEach(function (el) {
      var seconds = parseInt(el.getAttribute("data-seconds"), 10);
      var target = isNaN(seconds) ? Date.parse(el.getAttribute("data-countdown")) : loaded + seconds * 1000;
      if (isNaN(target)) return;
      var left = Math.max(0, Math.floor((target - now) / 1000));
      el.textContent = render(left);
      // The page itself changes when the moment passes (prices open or close): show the new one.
      if (left === 0 && el.hasAttribute("data-reload") && !reloaded) {
        reloaded = true;
        window.setTimeout(function () { window.location.reload(); }, 1500);
      }
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();
