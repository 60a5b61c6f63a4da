// Crop-and-search: drag a rectangle over the photo (mouse, pen or touch), move or resize it by
// its corners, clear it, and search by that region. The box is sent as fractions 0..1.
(function () {
  const stage = document.getElementById("photo-stage");
  const image = document.getElementById("photo-image");
  const box = document.getElementById("crop-box");
  const searchButton = document.getElementById("crop-search");
  const clearButton = document.getElementById("crop-clear");
  const hint = document.getElementById("crop-hint");
  // The stylesheet sizes the photo by its aspect ratio; a style attribute would need the CSP's unsafe-inline.
  if (image) {
    image.style.setProperty("--w", image.getAttribute("width"));
    image.style.setProperty("--h", image.getAttribute("height"));
  }
  if (!stage || !image || !box || !searchButton) return;

  const MIN_FRACTION = 0.03;
  let rect = null; // {x0, y0, x1, y1} as fractions of the image
  let drag = null;

  const clamp = (v) => Math.min(1, Math.max(0, v));
  function pointFraction(event) {
    const bounds = image.getBoundingClientRect();
    return { x: clamp((event.clientX - bounds.left) / bounds.width), y: clamp((event.clientY - bounds.top) / bounds.height) };
  }

  function render() {
    if (!rect) { box.hidden = true; searchButton.disabled = true; clearButton.hidden = true; return; }
    const img = image.getBoundingClientRect();
    const host = stage.getBoundingClientRect();
    box.hidden = false;
    box.style.left = img.left - host.left + rect.x0 * img.width + "px";
    box.style.top = img.top - host.top + rect.y0 * img.height + "px";
    box.style.width = (rect.x1 - rect.x0) * img.width + "px";
    box.style.height = (rect.y1 - rect.y0) * img.height + "px";
    const big = rect.x1 - rect.x0 >= MIN_FRACTION && rect.y1 - rect.y0 >= MIN_FRACTION;
    searchButton.disabled = !big;
    clearButton.hidden = false;
    hint.textContent = big ? "Drag the box to move it, its corners to resize." : "The region is too small; drag a larger one.";
  }

  stage.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    const p = pointFraction(event);
    const handle = event.target.closest(".handle");
    if (handle && rect) {
      drag = { mode: "resize", corner: handle.classList[1] };
    } else if (event.target === box && rect) {
      drag = { mode: "move", start: p, original: { ...rect } };
    } else {
      drag = { mode: "draw", start: p };
      rect = { x0: p.x, y0: p.y, x1: p.x, y1: p.y };
    }
    stage.setPointerCapture(event.pointerId);
    event.preventDefault();
    render();
  });

  stage.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const p = pointFraction(event);
    if (drag.mode === "draw") {
      rect = { x0: Math.min(drag.start.x, p.x), y0: Math.min(drag.start.y, p.y), x1: Math.max(drag.start.x, p.x), y1: Math.max(drag.start.y, p.y) };
    } else if (drag.mode === "move") {
      const w = drag.original.x1 - drag.original.x0, h = drag.original.y1 - drag.original.y0;
      const x0 = Math.min(1 - w, Math.max(0, drag.original.x0 + p.x - drag.start.x));
      const y0 = Math.min(1 - h, Math.max(0, drag.original.y0 + p.y - drag.start.y));
      rect = { x0, y0, x1: x0 + w, y1: y0 + h };
    } else {
      const c = drag.corner;
      if (c.includes("w")) rect.x0 = Math.min(p.x, rect.x1); else rect.x1 = Math.max(p.x, rect.x0);
      if (c.includes("n")) rect.y0 = Math.min(p.y, rect.y1); else rect.y1 = Math.max(p.y, rect.y0);
    }
    render();
  });

  const end = () => { drag = null; };
  stage.addEventListener("pointerup", end);
  stage.addEventListener("pointercancel", end);
  window.addEventListener("resize", render);

  clearButton.addEventListener("click", () => { rect = null; hint.textContent = "Drag on the photo to select a region, then search by it."; render(); });
  searchButton.addEventListener("click", () => {
    if (!rect) return;
    const box = [rect.x0, rect.y0, rect.x1, rect.y1].map((v) => v.toFixed(4)).join(",");
    window.location.href = stage.dataset.regionUrl + "?box=" + encodeURIComponent(box);
  });
})();
