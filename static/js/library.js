// The library's shared parts (no framework): JSON calls to the API, bulk calls in chunks, the
// toast, hearts on cards and on the photo page, the album and tag pickers, and the list a photo
// was opened from (for previous/next on the photo page).
window.Library = (function () {
  const BULK_CHUNK = 1000; // imagesearch.bulk.BULK_MAX_IDS
  const LIST_KEY = "library:list";

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function api(method, url, body) {
    const options = { method, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    let data = null;
    try { data = await response.json(); } catch (e) { /* 204, or not JSON */ }
    if (!response.ok) {
      const error = new Error((data && data.detail) || `The server answered ${response.status}.`);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  // A bulk endpoint with any number of ids: one request per 1,000, the answers joined.
  async function bulk(url, ids, extra) {
    const joined = { results: [], done: 0 };
    for (let start = 0; start < ids.length; start += BULK_CHUNK) {
      const answer = await api("POST", url, { ...(extra || {}), ids: ids.slice(start, start + BULK_CHUNK) });
      joined.results.push(...answer.results);
      joined.done += answer.done;
    }
    return joined;
  }

  const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;

  let toastTimer = null;
  function toast(text, options) {
    const box = document.getElementById("toast");
    if (!box) return;
    options = options || {};
    document.getElementById("toast-text").textContent = text;
    const link = document.getElementById("toast-link");
    link.hidden = !options.link;
    if (options.link) { link.href = options.link.href; link.textContent = options.link.text; }
    const undo = document.getElementById("toast-undo");
    undo.hidden = !options.undo;
    undo.onclick = options.undo ? () => { box.hidden = true; options.undo(); } : null;
    box.classList.toggle("toast-error", Boolean(options.error));
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, options.undo ? 9000 : 6000);
  }

  // Hearts: on every card and on the photo page, one click each way.
  function showHeart(id, on) {
    document.querySelectorAll(`.card[data-photo-id="${id}"] .card-heart, #photo-heart[data-heart="${id}"]`).forEach((heart) => {
      heart.classList.toggle("on", on);
      heart.setAttribute("aria-pressed", on ? "true" : "false");
      if (heart.id === "photo-heart") heart.textContent = on ? "Favourite" : "Add to favourites";
      else heart.title = on ? "A favourite: click to take the heart off" : "Mark as a favourite";
    });
  }
  document.addEventListener("click", async (event) => {
    const heart = event.target.closest(".card-heart, #photo-heart");
    if (!heart) return;
    event.preventDefault();
    const card = heart.closest(".card");
    const id = heart.dataset.heart || (card && card.dataset.photoId);
    if (!id) return;
    const on = !heart.classList.contains("on");
    showHeart(id, on);
    try {
      await api("PATCH", `/api/v1/photos/${id}/`, { favourite: on });
    } catch (error) {
      showHeart(id, !on);
      toast(`Could not change the heart: ${error.message}`, { error: true });
    }
  });

  // The list a photo is opened from: its cards' ids in order and where more of it comes from.
  function listOf(container) {
    const ids = Array.from(container.querySelectorAll(".card[data-photo-id]"), (card) => Number(card.dataset.photoId));
    const older = container.querySelector(".load-older") || document.querySelector("#show-more-slot a.show-more");
    const newer = container.querySelector(".load-newer");
    return { label: container.dataset.listLabel || "Photos", url: container.dataset.listUrl || location.href,
      ids: Array.from(new Set(ids)), more: older ? older.href : "", less: newer ? newer.href : "" };
  }
  function rememberList(container) {
    try { sessionStorage.setItem(LIST_KEY, JSON.stringify(listOf(container))); } catch (e) { /* storage full or off */ }
  }
  function rememberedList() {
    try { return JSON.parse(sessionStorage.getItem(LIST_KEY) || "null"); } catch (e) { return null; }
  }
  function saveList(list) {
    try { sessionStorage.setItem(LIST_KEY, JSON.stringify(list)); } catch (e) { /* storage full or off */ }
  }
  // More of a remembered list (the page after, or before, its loaded part), as the grid would load it.
  async function extendList(list, direction) {
    const url = direction === "less" ? list.less : list.more;
    if (!url) return false;
    const response = await fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
    if (!response.ok) return false;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const ids = Array.from(doc.querySelectorAll(".card[data-photo-id]"), (card) => Number(card.dataset.photoId))
      .filter((id) => !list.ids.includes(id));
    const link = direction === "less" ? doc.querySelector(".load-newer") : doc.querySelector(".load-older, a.show-more");
    const next = link ? new URL(link.getAttribute("href"), url).href : "";
    if (direction === "less") { list.ids = ids.concat(list.ids); list.less = next; }
    else { list.ids = list.ids.concat(ids); list.more = next; }
    saveList(list);
    return ids.length > 0;
  }

  // --- Pickers ---------------------------------------------------------------------------
  function showError(element, message) {
    element.textContent = message || "";
    element.hidden = !message;
  }

  // Choose an album (or make one) and add the photos to it; resolves to {album, answer} or null.
  function pickAlbum(ids) {
    const dialog = document.getElementById("album-picker");
    if (!dialog) return Promise.resolve(null);
    const list = document.getElementById("album-picker-list");
    const input = document.getElementById("album-picker-new");
    const error = document.getElementById("album-picker-error");
    const form = document.getElementById("album-picker-form");
    showError(error, "");
    input.value = "";
    document.getElementById("album-picker-title").textContent = `Add ${plural(ids.length, "photo")} to an album`;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (value) => { if (!settled) { settled = true; resolve(value); } if (dialog.open) dialog.close(); };
      const add = async (album) => {
        try {
          const answer = await bulk(`/api/v1/albums/${album.id}/photos/`, ids);
          finish({ album, answer });
        } catch (exc) { showError(error, exc.message); }
      };
      list.replaceChildren(Object.assign(document.createElement("li"), { className: "muted", textContent: "Loading your albums…" }));
      api("GET", "/api/v1/albums/").then((albums) => {
        list.replaceChildren();
        if (!albums.length) list.append(Object.assign(document.createElement("li"), { className: "muted", textContent: "No albums yet: name a new one below." }));
        for (const album of albums) {
          const item = document.createElement("li");
          const button = document.createElement("button");
          button.type = "button";
          button.className = "album-choice";
          button.dataset.albumId = album.id;
          const name = document.createElement("span");
          name.textContent = album.name;
          const count = document.createElement("span");
          count.className = "album-choice-count";
          count.textContent = plural(album.photo_count, "photo");
          button.append(name, count);
          button.addEventListener("click", () => add(album));
          item.append(button);
          list.append(item);
        }
      }).catch((exc) => showError(error, exc.message));
      form.onsubmit = async (event) => {
        const choice = event.submitter ? event.submitter.value : "new";
        if (choice === "cancel") return; // the dialog form closes it
        event.preventDefault();
        if (!input.value.trim()) { showError(error, "Type a name for the new album, or pick one above."); return; }
        try {
          const album = await api("POST", "/api/v1/albums/", { name: input.value });
          await add(album);
        } catch (exc) { showError(error, exc.message); }
      };
      dialog.addEventListener("close", () => finish(null), { once: true });
      dialog.showModal();
      input.focus();
    });
  }

  // Ask for a tag and add it to the photos; resolves to {name, answer} or null.
  function pickTag(ids) {
    const dialog = document.getElementById("tag-picker");
    if (!dialog) return Promise.resolve(null);
    const input = document.getElementById("tag-picker-name");
    const error = document.getElementById("tag-picker-error");
    showError(error, "");
    input.value = "";
    document.getElementById("tag-picker-title").textContent = `Add a tag to ${plural(ids.length, "photo")}`;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (value) => { if (!settled) { settled = true; resolve(value); } if (dialog.open) dialog.close(); };
      document.getElementById("tag-picker-form").onsubmit = async (event) => {
        if (event.submitter && event.submitter.value === "cancel") return;
        event.preventDefault();
        try {
          const answer = await bulk("/api/v1/photos/bulk/tags/", ids, { name: input.value });
          finish({ name: input.value.trim().toLowerCase(), answer });
        } catch (exc) { showError(error, exc.message); }
      };
      dialog.addEventListener("close", () => finish(null), { once: true });
      dialog.showModal();
      input.focus();
    });
  }

  return { api, bulk, toast, plural, showHeart, rememberList, rememberedList, saveList, extendList, pickAlbum, pickTag };
})();
