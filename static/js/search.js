// The search box: pick or drop an image on it to search the gallery by that image.
(function () {
  const box = document.getElementById("searchbox");
  if (!box) return;
  const form = document.getElementById("image-search-form");
  const input = document.getElementById("image-search-input");
  input.addEventListener("change", () => { if (input.files.length) form.submit(); });
  const isFileDrag = (e) => e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files");
  box.addEventListener("dragover", (e) => { if (isFileDrag(e)) { e.preventDefault(); e.stopPropagation(); box.classList.add("drop-target"); } });
  box.addEventListener("dragleave", () => box.classList.remove("drop-target"));
  box.addEventListener("drop", (e) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    e.stopPropagation(); // not an upload to the gallery
    box.classList.remove("drop-target");
    const transfer = new DataTransfer();
    transfer.items.add(e.dataTransfer.files[0]);
    input.files = transfer.files;
    form.submit();
  });
})();
