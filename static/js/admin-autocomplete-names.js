// The admin's autocomplete boxes (Select2) are named by their field's label (WCAG 4.1.2).
// Select2 names its combobox by the text chosen alone, which is nothing on a new form, and
// leaves the search box of a multiple choice unnamed. In a tabular inline's row the field has
// no label element: the name the server gave the select (aria-label) is used.
"use strict";
function nameOf(select) {
  const label = document.querySelector(`label[for="${select.id}"]`);
  if (label) {
    label.id ||= `${select.id}-label`;
    return label;
  }
  const given = select.getAttribute("aria-label");
  if (!given) return null;
  let named = document.getElementById(`${select.id}-name`);
  if (!named) {
    named = document.createElement("span");
    named.id = `${select.id}-name`;
    named.hidden = true; // still read as a name: aria-labelledby reads hidden elements
    named.textContent = given;
    select.before(named); // not after: Select2's box is the select's next sibling
  }
  return named;
}
// Select2 puts its "remove all" button inside the list of choices, where a list may hold only
// items (WCAG 1.3.1): it goes just before the list, still in the box that handles its clicks.
// Select2 draws a new one with each change, and none once nothing is chosen.
function moveClearButton(container) {
  const list = container.querySelector(".select2-selection--multiple > ul");
  if (!list) return;
  const moved = list.parentElement.querySelectorAll(":scope > .select2-selection__clear");
  const drawn = list.querySelector(":scope > .select2-selection__clear");
  if (drawn) {
    moved.forEach((old) => old.remove());
    list.before(drawn);
  } else if (!list.querySelector(".select2-selection__choice")) {
    moved.forEach((old) => old.remove());
  }
}
function setOnce(element, attribute, value) {
  if (element.getAttribute(attribute) !== value) element.setAttribute(attribute, value);
}
function nameAutocompletes() {
  document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
    const container = select.nextElementSibling;
    const named = nameOf(select);
    if (!container || !named || !container.classList.contains("select2")) return;
    const name = named.textContent.replace(/:\s*$/, "").trim();
    container.querySelectorAll('[role="combobox"]').forEach((combobox) => {
      // The field's name, then the text chosen (what Select2 named it by).
      const chosen = container.querySelector(".select2-selection__rendered[id]");
      setOnce(combobox, "aria-labelledby", [named.id, chosen?.id].filter(Boolean).join(" "));
    });
    container
      .querySelectorAll('.select2-selection__rendered[role="textbox"], .select2-search__field')
      .forEach((element) => setOnce(element, "aria-label", name));
    moveClearButton(container);
  });
}
// The search boxes of a two-list chooser (filter_horizontal) carry an icon named by aria-label,
// which a plain span may not carry (WCAG 4.1.2): it is an image with that name.
function nameFilterIcons() {
  document
    .querySelectorAll(".selector .help-tooltip[aria-label]:not([role])")
    .forEach((icon) => icon.setAttribute("role", "img"));
}
// Select2 draws its boxes when jQuery is ready, after this script, and again for each inline
// added and each choice made: name them whenever elements are added.
new MutationObserver(() => {
  nameAutocompletes();
  nameFilterIcons();
}).observe(document.documentElement, {
  childList: true,
  subtree: true,
});
