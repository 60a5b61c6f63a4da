// Results pages: live value of the cutoff slider, "Show more" without leaving the page,
// and the searched region drawn on the query photo.
(function () {
  const slider = document.getElementById("min-score");
  const output = document.getElementById("min-score-value");
  if (slider && output) slider.addEventListener("input", () => { output.textContent = slider.value; });

  document.addEventListener("click", async (event) => {
    const link = event.target.closest("a.show-more");
    if (!link) return;
    event.preventDefault();
    link.textContent = "Loading…";
    try {
      const response = await fetch(link.href, { headers: { "X-Requested-With": "fetch" } });
      const html = await response.text();
      const fragment = new DOMParser().parseFromString(html, "text/html");
      const grid = document.getElementById("results-grid");
      fragment.querySelectorAll(".card").forEach((card) => grid.append(card));
      const slot = document.getElementById("show-more-slot");
      const next = fragment.querySelector(".show-more-row");
      slot.replaceChildren(...(next ? [next] : []));
    } catch (e) {
      window.location.href = link.href;
    }
  });

  const thumb = document.getElementById("query-thumb");
  const marker = document.getElementById("query-box");
  if (thumb && marker && thumb.dataset.box) {
    const draw = () => {
      const [x0, y0, x1, y1] = thumb.dataset.box.split(",").map(Number);
      if ([x0, y0, x1, y1].some(Number.isNaN)) return;
      marker.style.left = thumb.offsetLeft + x0 * thumb.width + "px";
      marker.style.top = thumb.offsetTop + y0 * thumb.height + "px";
      marker.style.width = (x1 - x0) * thumb.width + "px";
      marker.style.height = (y1 - y0) * thumb.height + "px";
      marker.hidden = false;
    };
    if (thumb.complete) draw(); else thumb.addEventListener("load", draw);
  }
})();
