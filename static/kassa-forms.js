// A sent form says so: its submit buttons turn disabled and the one pressed
// shows Pico's spinner (aria-busy), so a slow answer is not clicked twice.
// Left alone: forms whose page stays, so their buttons must keep working —
// those marked data-keeps-buttons (a CSV export: the answer is a file), a
// dialog's (method="dialog") and those that answer in a new tab.
(function () {
  var SUBMITS = "button:not([type]), button[type=submit], input[type=submit]";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var pressed = event.submitter || form.querySelector(SUBMITS);
    var method = (pressed && pressed.getAttribute("formmethod")) || form.getAttribute("method");
    var target = (pressed && pressed.getAttribute("formtarget")) || form.getAttribute("target");
    if (form.hasAttribute("data-keeps-buttons") || method === "dialog" || target === "_blank") {
      return;
    }
    // Later, once every other handler has run (one may have stopped the
    // submission) and the browser has read the form's data: a button disabled
    // now would drop its own name=value from what is sent.
    setTimeout(function () {
      if (event.defaultPrevented) return;
      form.querySelectorAll(SUBMITS).forEach(function (button) {
        if (button.disabled) return;
        button.disabled = true;
        button.dataset.sent = "";
      });
      if (pressed) pressed.setAttribute("aria-busy", "true");
    }, 0);
  });

  // Back to a page kept in the browser's cache: its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("[data-sent]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      delete button.dataset.sent;
    });
  });
})();
