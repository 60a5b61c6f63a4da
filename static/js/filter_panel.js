// The filter panel sends only the fields set: an empty date or "Any" means no filter, so it stays
// out of the address (which people copy and bookmark). Hidden fields carry the page's own state.
(function () {
  for (const form of document.querySelectorAll(".filter-form")) {
    form.addEventListener("submit", () => {
      for (const field of form.querySelectorAll("input:not([type=hidden]), select")) {
        if (field.value === "" || (field.type === "checkbox" && !field.checked)) field.disabled = true;
      }
    });
  }
  // Back from the next page, the browser restores this page as it was: fields enabled again.
  window.addEventListener("pageshow", () => {
    for (const field of document.querySelectorAll(".filter-form [disabled]")) field.disabled = false;
  });
})();
