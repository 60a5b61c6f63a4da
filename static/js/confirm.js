// Forms with data-confirm="Question?" ask before they submit (no inline onsubmit: the
// Content-Security-Policy runs no inline script).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
