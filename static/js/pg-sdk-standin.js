/* A stand-in for the PG's payment-window SDK (Toss Payments v2 standard), for DEBUG and the tests.
   Same interface: TossPayments(clientKey).payment({customerKey}).requestPayment({...}). There is no
   window: it goes straight back to successUrl (paymentKey, orderId, amount, paymentType) or, when
   window.__PG_STANDIN_MODE is "decline" or "cancel", to failUrl (code, message, orderId). */
(function () {
  "use strict";

  function randomKey() {
    var chars = "abcdefghijklmnopqrstuvwxyz0123456789", out = "tdev_";
    for (var i = 0; i < 24; i++) { out += chars.charAt(Math.floor(Math.random() * chars.length)); }
    return out;
  }

  function withQuery(url, params) {
    var q = Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + q;
  }

  function TossPayments(clientKey) {
    if (!clientKey) { throw new Error("clientKey is required"); }
    return {
      payment: function (options) {
        if (!options || !options.customerKey) { throw new Error("customerKey is required"); }
        return {
          requestPayment: function (p) {
            return new Promise(function (resolve, reject) {
              if (!p || !p.orderId || !p.amount || !p.successUrl || !p.failUrl || !p.orderName) {
                reject({ code: "INVALID_PARAMETERS", message: "필수 파라미터가 빠졌습니다." });
                return;
              }
              var mode = window.__PG_STANDIN_MODE || "success";
              var amount = (typeof p.amount === "object") ? p.amount.value : p.amount;
              if (mode === "decline") {
                window.location.href = withQuery(p.failUrl, { code: "REJECT_CARD_COMPANY",
                  message: "카드사에서 결제를 거절했습니다. 카드사에 문의해 주세요.", orderId: p.orderId });
              } else if (mode === "cancel") {
                window.location.href = withQuery(p.failUrl, { code: "PAY_PROCESS_CANCELED",
                  message: "사용자에 의해 결제가 취소되었습니다.", orderId: p.orderId });
              } else {
                var tamper = window.__PG_STANDIN_AMOUNT;
                window.location.href = withQuery(p.successUrl, { paymentKey: randomKey(), orderId: p.orderId,
                  amount: tamper || amount, paymentType: "NORMAL" });
              }
            });
          }
        };
      }
    };
  }
  TossPayments.ANONYMOUS = "@@ANONYMOUS";
  window.TossPayments = TossPayments;
})();
