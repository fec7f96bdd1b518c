// Mounts Stripe's Payment Element on the card page and confirms the payment in
// the browser; Stripe then returns to the order page, whose status follows the
// webhook. Loaded only when PAYMENT_GATEWAY=stripe and a publishable key is set.
(function () {
  var mount = document.getElementById("payment-element");
  if (!mount || !window.Stripe) return;
  var stripe = window.Stripe(mount.dataset.publishableKey);
  var elements = stripe.elements({ clientSecret: mount.dataset.clientSecret });
  elements.create("payment").mount(mount);
  document.getElementById("stripe-form").addEventListener("submit", function (event) {
    event.preventDefault();
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: mount.dataset.returnUrl } })
      .then(function (result) {
        if (result.error) document.getElementById("stripe-error").textContent = result.error.message;
      });
  });
})();
