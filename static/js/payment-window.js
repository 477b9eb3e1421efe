/* Opens the PG's payment window (Toss Payments standard window v2) from the data-attributes of the
   payment button: TossPayments(clientKey).payment({customerKey}).requestPayment({...}).
   The server checks the amount again on the success URL; nothing here is trusted. No inline script (CSP). */
(function () {
  "use strict";

  function data(el, name) { return el.getAttribute("data-" + name) || ""; }

  function request(button) {
    var error = document.querySelector("[data-payment-error]");
    if (typeof window.TossPayments !== "function") {
      if (error) { error.textContent = data(button, "sdk-missing"); error.hidden = false; }
      return;
    }
    var customerKey = data(button, "customer-key");
    if (customerKey === "ANONYMOUS" && window.TossPayments.ANONYMOUS) { customerKey = window.TossPayments.ANONYMOUS; }
    var payment = window.TossPayments(data(button, "client-key")).payment({ customerKey: customerKey });
    var method = data(button, "method");
    var params = {
      method: method,
      amount: { currency: "KRW", value: parseInt(data(button, "amount"), 10) },
      orderId: data(button, "order-id"),
      orderName: data(button, "order-name"),
      successUrl: data(button, "success-url"),
      failUrl: data(button, "fail-url"),
      customerEmail: data(button, "customer-email"),
      customerName: data(button, "customer-name"),
      taxFreeAmount: parseInt(data(button, "tax-free-amount") || "0", 10)
    };
    var phone = data(button, "customer-phone");
    if (phone) { params.customerMobilePhone = phone; }
    if (method === "VIRTUAL_ACCOUNT") {
      params.virtualAccount = {
        validHours: parseInt(data(button, "valid-hours") || "72", 10),
        // 현금영수증 is issued by the shop through the PG's cash-receipt API once paid.
        cashReceipt: { type: "미발행" },
        useEscrow: data(button, "escrow") === "true"
      };
      if (params.virtualAccount.useEscrow) {
        try { params.escrowProducts = JSON.parse(data(button, "escrow-products") || "[]"); } catch (e) { params.escrowProducts = []; }
      }
    } else {
      params.card = { flowMode: "DEFAULT", useEscrow: false };
    }
    button.disabled = true;
    var result = payment.requestPayment(params);
    if (result && typeof result.catch === "function") {
      result.catch(function (err) {
        button.disabled = false;
        if (error) {
          error.textContent = (err && err.message) || data(button, "sdk-missing");
          error.hidden = false;
        }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-payment-window]");
    if (!button) { return; }
    button.addEventListener("click", function (event) { event.preventDefault(); request(button); });
  });
})();
