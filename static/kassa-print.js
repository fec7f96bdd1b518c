// "Print" on the receipt page: shown only where scripts run; the browser's own
// Print works everywhere.
(function () {
  var button = document.getElementById("print-receipt");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
