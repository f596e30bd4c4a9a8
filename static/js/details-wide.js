// Filters are folded on phones and open on wide screens (where they sit beside the results).
document.querySelectorAll("details[data-open-wide]").forEach(function (box) {
  if (window.matchMedia("(min-width: 60rem)").matches) { box.open = true; }
});
