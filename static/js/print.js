// "Print this sheet": the print stylesheet does the rest.
document.querySelectorAll("[data-print]").forEach(function (link) {
  link.addEventListener("click", function (event) {
    event.preventDefault();
    window.print();
  });
});
