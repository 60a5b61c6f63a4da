// The photo page's text panel: pointing at the text draws the boxes of its lines over the photo
// (the line pointed at stands out). Boxes are fractions of the photo, so they fit any size.
(function () {
  "use strict";
  const data = document.getElementById("photo-text-data");
  const svg = document.getElementById("text-boxes");
  const image = document.getElementById("photo-image");
  const list = document.getElementById("photo-text-lines");
  if (!data || !svg || !image || !list) return;
  const lines = JSON.parse(data.textContent);
  const ns = "http://www.w3.org/2000/svg";
  const polygons = lines.map(function (line, index) {
    const polygon = document.createElementNS(ns, "polygon");
    polygon.setAttribute("points", line.quad.map(function (p) { return p[0] + "," + p[1]; }).join(" "));
    polygon.setAttribute("vector-effect", "non-scaling-stroke");
    polygon.dataset.line = String(index);
    svg.appendChild(polygon);
    return polygon;
  });

  function place() {
    // Over the image exactly (the stage centres it, with bars around).
    svg.style.left = image.offsetLeft + "px";
    svg.style.top = image.offsetTop + "px";
    svg.style.width = image.offsetWidth + "px";
    svg.style.height = image.offsetHeight + "px";
  }

  function show(active) {
    place();
    svg.removeAttribute("hidden");  // an SVG element has no `hidden` property
    polygons.forEach(function (polygon, index) { polygon.classList.toggle("active", index === active); });
  }

  list.addEventListener("mouseover", function (event) {
    const item = event.target.closest("li[data-line]");
    show(item ? Number(item.dataset.line) : -1);
  });
  function hide() { svg.setAttribute("hidden", ""); }
  list.addEventListener("mouseleave", hide);
  list.addEventListener("focusin", function () { show(-1); });
  list.addEventListener("focusout", hide);
  window.addEventListener("resize", function () { if (!svg.hasAttribute("hidden")) place(); });
})();
