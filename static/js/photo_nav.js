// The photo page: previous/next within the list the photo was opened from (the timeline, an
// album, favourites, search results: remembered by the grid when its card was clicked; without
// one, the timeline's neighbours the server put in the links), with the arrow keys, Esc back to
// the list, and a swipe on touch screens. Also the heart's neighbour buttons: the albums this photo
// is in (remove it from one) and "Add to album".
(function () {
  const page = document.getElementById("photo-page");
  if (!page) return;
  const id = Number(page.dataset.photoId);
  const prev = document.getElementById("photo-prev");
  const next = document.getElementById("photo-next");
  const back = document.getElementById("photo-back");
  const photoUrl = (photoId) => `/photos/${photoId}/`;

  let list = Library.rememberedList();
  if (list && !list.ids.includes(id)) list = null;
  if (list) {
    document.getElementById("photo-context-label").textContent = list.label;
    back.href = list.url;
    back.title = `Back to ${list.label} (Esc)`;
    const trashNext = document.getElementById("photo-trash-next");
    if (trashNext) trashNext.value = list.url;
  }

  function neighbour(step) {
    const at = list.ids.indexOf(id) + step;
    return at >= 0 && at < list.ids.length ? list.ids[at] : null;
  }
  function showLinks() {
    if (!list) return;
    for (const [link, step, more] of [[prev, -1, list.less], [next, 1, list.more]]) {
      const target = neighbour(step);
      link.hidden = !target && !more;
      link.href = target ? photoUrl(target) : (more ? "#more" : "");
    }
  }
  showLinks();

  async function go(step) {
    if (!list) {
      const link = step < 0 ? prev : next;
      if (!link.hidden && link.getAttribute("href")) window.location.href = link.href;
      return;
    }
    let target = neighbour(step);
    if (!target && (step < 0 ? list.less : list.more)) {
      await Library.extendList(list, step < 0 ? "less" : "more");
      target = neighbour(step);
      showLinks();
    }
    if (target) window.location.href = photoUrl(target);
  }

  for (const [link, step] of [[prev, -1], [next, 1]]) {
    link.addEventListener("click", (event) => { if (list) { event.preventDefault(); go(step); } });
  }
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable]") || document.querySelector("dialog[open]")) return;
    if (event.key === "ArrowLeft") { event.preventDefault(); go(-1); }
    else if (event.key === "ArrowRight") { event.preventDefault(); go(1); }
    else if (event.key === "Escape") { event.preventDefault(); window.location.href = back.href; }
  });

  // A quick horizontal swipe on the photo moves on (a slower drag still draws a crop box).
  const stage = document.getElementById("photo-stage");
  let touch = null;
  stage.addEventListener("touchstart", (event) => {
    touch = event.touches.length === 1 ? { x: event.touches[0].clientX, y: event.touches[0].clientY, t: Date.now() } : null;
  }, { passive: true });
  stage.addEventListener("touchend", (event) => {
    if (!touch || event.changedTouches.length !== 1) return;
    const dx = event.changedTouches[0].clientX - touch.x, dy = event.changedTouches[0].clientY - touch.y;
    const quick = Date.now() - touch.t < 450;
    touch = null;
    if (quick && Math.abs(dx) > 60 && Math.abs(dx) > 2.5 * Math.abs(dy)) go(dx < 0 ? 1 : -1);
  }, { passive: true });

  // --- Albums of this photo ---------------------------------------------------------------
  const panel = document.getElementById("photo-albums");
  const chips = document.getElementById("photo-album-chips");
  async function showAlbums() {
    if (!panel) return;
    let albums = [];
    try { albums = await Library.api("GET", `/api/v1/photos/${id}/albums/`); } catch (error) { return; }
    chips.replaceChildren(...albums.map((album) => {
      const chip = document.createElement("li");
      chip.className = "chip";
      chip.dataset.albumId = album.id;
      const link = Object.assign(document.createElement("a"), { href: `/albums/${album.id}/`, textContent: album.name });
      const remove = Object.assign(document.createElement("button"), { type: "button", className: "chip-remove", textContent: "×",
        title: "Take this photo out of the album" });
      remove.setAttribute("aria-label", `Remove from the album ${album.name}`);
      remove.addEventListener("click", async () => {
        try {
          await Library.api("POST", `/api/v1/albums/${album.id}/photos/remove/`, { ids: [id] });
          Library.toast(`Removed from “${album.name}” (the photo stays in your library).`);
          showAlbums();
        } catch (error) { Library.toast(error.message, { error: true }); }
      });
      chip.append(link, remove);
      return chip;
    }));
    panel.hidden = albums.length === 0;
  }
  const addButton = document.getElementById("photo-add-to-album");
  if (addButton) {
    addButton.addEventListener("click", async () => {
      const picked = await Library.pickAlbum([id]);
      if (!picked) return;
      Library.toast(picked.answer.done ? `Added to “${picked.album.name}”.` : `Already in “${picked.album.name}”.`,
        { link: { href: `/albums/${picked.album.id}/`, text: "Open the album" } });
      showAlbums();
    });
  }
  showAlbums();
})();
