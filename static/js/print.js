// "打印本文": a button marked data-print opens the browser's print dialog (no inline script).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
