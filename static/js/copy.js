// "Copy" buttons next to a secret shown once (a new API token, an invite link): data-copy="#input-id".
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const input = document.querySelector(button.dataset.copy);
  if (!input) return;
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    button.textContent = "Copied";
  } catch (e) {
    button.textContent = "Selected: copy it";  // no clipboard access (plain HTTP): the text is selected
  }
});
