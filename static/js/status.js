// Keeps pending photos up to date without a reload: asks the API about them every 2 s.
(function () {
  const INTERVAL = 2000;
  let timer = null;

  function waiting() {
    return Array.from(document.querySelectorAll("[data-photo-id][data-status=pending], [data-photo-id][data-status=processing]"));
  }

  function apply(element, photo) {
    if (element.dataset.status === photo.status) return;
    element.dataset.status = photo.status;
    const label = photo.status[0].toUpperCase() + photo.status.slice(1);
    if (element.classList.contains("photo-page")) {
      if (photo.status === "ready" || photo.status === "failed") { window.location.reload(); return; }
      const status = element.querySelector(".photo-info .status");  // pending -> processing
      if (status) {
        const pageBadge = status.querySelector(".badge") || document.createElement("span");
        pageBadge.className = "badge badge-" + photo.status;
        pageBadge.textContent = label;
        status.className = "status status-" + photo.status;
        status.replaceChildren(pageBadge, " " + photo.status_message);
      }
      return;
    }
    const badge = element.querySelector(".badge");
    if (photo.status === "ready") {
      if (badge) badge.remove();
      const link = element.querySelector("a.card-link");
      const img = document.createElement("img");
      img.src = photo.thumbnail_url;
      img.alt = photo.original_name;
      link.replaceChildren(img);
      if (!element.querySelector(".card-similar")) {
        const similar = document.createElement("a");
        similar.className = "card-similar";
        similar.href = "/search/similar/" + photo.id + "/";
        similar.title = "Find photos like this one";
        similar.textContent = "Similar";
        link.after(similar);
      }
    } else if (badge) {
      badge.className = "badge badge-" + photo.status;
      badge.textContent = label;
      badge.title = photo.status_message;
    }
  }

  async function poll() {
    timer = null;
    const elements = waiting();
    if (!elements.length) return;
    const ids = elements.slice(0, 200).map((el) => el.dataset.photoId);
    try {
      const response = await fetch("/api/v1/photos/?page_size=200&ids=" + ids.join(","), { headers: { Accept: "application/json" } });
      if (response.ok) {
        const body = await response.json();
        for (const photo of body.results) {
          document.querySelectorAll(`[data-photo-id="${photo.id}"]`).forEach((el) => apply(el, photo));
        }
      }
    } catch (e) { /* offline for a moment: try again */ }
    schedule();
  }

  function schedule() { if (!timer && waiting().length) timer = setTimeout(poll, INTERVAL); }
  document.addEventListener("photos:added", schedule);
  schedule();
})();
