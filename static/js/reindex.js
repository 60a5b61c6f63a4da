// Staff re-index page: refresh the progress bar and ETA every 2 s while work remains.
(function () {
  const root = document.getElementById("reindex");
  if (!root) return;
  const bar = document.getElementById("reindex-bar");
  const text = document.getElementById("reindex-text");
  async function refresh() {
    try {
      const response = await fetch(root.dataset.progressUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const p = await response.json();
      bar.max = Math.max(1, p.ready_photos);
      bar.value = p.indexed;
      let line = `${p.indexed} of ${p.ready_photos} photos have vectors for this model.`;
      if (p.job) {
        line += ` Last job: ${p.job.status}`;
        if (p.job.eta_seconds !== null) line += `, about ${p.job.eta_seconds} s left`;
        if (p.job.photos_per_second) line += ` (${p.job.photos_per_second} photos/s)`;
        line += ".";
      }
      text.textContent = line;
      if (p.missing > 0 || (p.job && ["queued", "running"].includes(p.job.status))) setTimeout(refresh, 2000);
    } catch (e) { setTimeout(refresh, 5000); }
  }
  refresh();
})();
