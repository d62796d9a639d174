// The admin's autocomplete boxes (Select2) are named by their field's label: Select2 names its
// combobox and the text box inside it by the text chosen, which is nothing on a new form
// (WCAG 4.1.2).
"use strict";
function nameAutocompletes() {
  document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
    const label = document.querySelector(`label[for="${select.id}"]`);
    const container = select.nextElementSibling;
    if (!label || !container) return;
    const name = label.textContent.replace(/:\s*$/, "").trim();
    container
      .querySelectorAll('[role="combobox"], .select2-selection__rendered[role="textbox"]')
      .forEach((element) => element.setAttribute("aria-label", name));
  });
}
// Select2 draws its boxes when jQuery is ready, after this script, and again for each inline
// added: name them whenever elements are added.
new MutationObserver(nameAutocompletes).observe(document.documentElement, {
  childList: true,
  subtree: true,
});
