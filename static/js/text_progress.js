// "Reading text: 12 of 40" on the gallery: asks the status API every 3 s while photos are
// processed or their text is read, and hides itself when every photo has been read.
(function () {
  "use strict";
  const element = document.getElementById("text-progress");
  if (!element) return;
  const INTERVAL = 3000;
  let timer = null;

  async function poll() {
    timer = null;
    try {
      const response = await fetch(element.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const body = await response.json();
        const text = body.text;
        document.getElementById("text-progress-read").textContent = text.read;
        document.getElementById("text-progress-total").textContent = text.total;
        element.hidden = !text.enabled || !text.waiting;
        const processing = body.photos.pending + body.photos.processing;
        if (!text.enabled || (!text.waiting && !processing)) return;
      }
    } catch (e) { /* offline for a moment: try again */ }
    schedule();
  }

  function schedule() { if (!timer) timer = setTimeout(poll, INTERVAL); }
  document.addEventListener("photos:added", schedule);
  if (!element.hidden || document.querySelector("[data-status=pending], [data-status=processing]")) schedule();
})();
