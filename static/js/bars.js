// Sizes bars from their data attributes (the CSP allows no inline styles).
document.querySelectorAll("[data-width]").forEach(function (bar) {
  bar.style.width = bar.dataset.width + "%";
  if (bar.dataset.offset) { bar.style.marginLeft = bar.dataset.offset + "%"; }
});
