// 찜 without a page reload: the heart's form still works as a plain POST when this file is not loaded.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("wish-form") || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector(".wish-button");
    var wishInput = form.querySelector("input[name=wish]");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      if (result.status === 401 && result.data.login) { window.location.href = result.data.login; return; }
      if (result.status !== 200) { form.submit(); return; }
      var wished = result.data.wished;
      wishInput.value = wished ? "0" : "1";
      button.classList.toggle("is-wished", wished);
      button.setAttribute("aria-pressed", wished ? "true" : "false");
      button.querySelector(".heart").textContent = wished ? "\u2665" : "\u2661";
      var label = button.querySelector(".wish-label");
      label.textContent = wished ? (button.dataset.labelOff || "찜 해제") : (button.dataset.labelOn || "찜하기");
      button.querySelector(".wish-count").textContent = result.data.count;
    }).catch(function () { form.submit(); });
  });
}());
