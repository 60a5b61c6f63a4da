// Selection on a photo grid ([data-selectable]: the timeline, favourites, an album, the trash,
// search results, duplicates): the round check on a card (or, once something is selected, the
// card itself) selects; a long press selects on touch screens; shift-click selects a range; "Select
// all loaded" takes every card on the page. The action bar acts on the selection through the
// bulk API (an answer per id) and updates the grid in place.
(function () {
  const container = document.querySelector("[data-selectable]");
  const bar = document.getElementById("selection-bar");
  if (!container || !bar) return;
  const actions = new Set((bar.dataset.actions || "").split(/\s+/).filter(Boolean));
  bar.querySelectorAll(".selection-actions [data-action]").forEach((button) => { button.hidden = !actions.has(button.dataset.action); });
  const albumId = bar.dataset.albumId;
  const kind = container.dataset.listKind || "";
  const countLabel = document.getElementById("selection-count");
  const selected = new Set();
  let anchor = null; // the card a shift-click range starts from
  let mode = false; // "Select" pressed: taps select even before anything is selected
  const LONG_PRESS_MS = 500;

  const cards = () => Array.from(document.querySelectorAll("[data-selectable] .card[data-photo-id]"));
  const cardsOf = (id) => document.querySelectorAll(`[data-selectable] .card[data-photo-id="${id}"]`);
  const active = () => mode || selected.size > 0;
  const ids = () => Array.from(selected, Number);

  function render() {
    for (const card of cards()) {
      const on = selected.has(card.dataset.photoId);
      card.classList.toggle("selected", on);
      const check = card.querySelector(".card-select");
      if (check) check.setAttribute("aria-pressed", on ? "true" : "false");
    }
    countLabel.textContent = `${selected.size} selected`;
    bar.hidden = !active();
    document.body.classList.toggle("selecting", active());
    document.body.classList.toggle("has-selection", active());
    document.querySelectorAll("[data-select-toggle]").forEach((button) => {
      button.textContent = active() ? "Done" : "Select";
      button.setAttribute("aria-pressed", active() ? "true" : "false");
    });
    bar.querySelectorAll(".selection-actions button").forEach((button) => { button.disabled = selected.size === 0; });
  }

  function toggle(card, on) {
    const id = card.dataset.photoId;
    if (on === undefined ? !selected.has(id) : on) selected.add(id); else selected.delete(id);
  }

  function selectRange(from, to) {
    const all = cards();
    let [start, end] = [all.indexOf(from), all.indexOf(to)];
    if (start < 0 || end < 0) return toggle(to, true);
    if (start > end) [start, end] = [end, start];
    const on = selected.has(from.dataset.photoId) || from === to;
    all.slice(start, end + 1).forEach((card) => toggle(card, on));
  }

  function clear() {
    selected.clear();
    mode = false;
    anchor = null;
    render();
  }

  // Clicks: select in selection mode (and on the check), else remember the list and open the photo.
  let suppressClick = false;
  document.addEventListener("click", (event) => {
    const card = event.target.closest("[data-selectable] .card[data-photo-id]");
    if (!card) return;
    if (suppressClick) { suppressClick = false; event.preventDefault(); return; }
    if (event.target.closest(".card-heart, .card-delete")) return;
    const onCheck = event.target.closest(".card-select");
    if (onCheck || active()) {
      event.preventDefault();
      if (event.shiftKey && anchor && anchor.isConnected) selectRange(anchor, card);
      else toggle(card);
      anchor = card;
      render();
      return;
    }
    if (event.target.closest("a.card-link")) Library.rememberList(container);
  });

  // Long press (touch, pen or mouse): select without opening the photo.
  let pressTimer = null;
  let pressStart = null;
  document.addEventListener("pointerdown", (event) => {
    const card = event.target.closest("[data-selectable] .card[data-photo-id]");
    if (!card || event.button !== 0 || event.target.closest("button, form")) return;
    pressStart = { x: event.clientX, y: event.clientY };
    clearTimeout(pressTimer);
    pressTimer = setTimeout(() => {
      pressTimer = null;
      toggle(card, true);
      anchor = card;
      suppressClick = true;
      render();
      if (navigator.vibrate) navigator.vibrate(15);
    }, LONG_PRESS_MS);
  });
  const cancelPress = () => { clearTimeout(pressTimer); pressTimer = null; };
  document.addEventListener("pointerup", cancelPress);
  document.addEventListener("pointercancel", cancelPress);
  document.addEventListener("pointermove", (event) => {
    if (pressTimer && pressStart && Math.hypot(event.clientX - pressStart.x, event.clientY - pressStart.y) > 10) cancelPress();
  });
  // The long press must not open the browser's menu for the image or link.
  document.addEventListener("contextmenu", (event) => {
    if (suppressClick && event.target.closest("[data-selectable] .card")) event.preventDefault();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && active() && !document.querySelector("dialog[open]")) clear();
  });
  document.querySelectorAll("[data-select-toggle]").forEach((button) => button.addEventListener("click", () => {
    if (active()) clear(); else { mode = true; render(); }
  }));

  // --- Updating the page after an action ---------------------------------------------------
  function removeCards(removed) {
    for (const id of removed) {
      cardsOf(id).forEach((card) => {
        const section = card.closest("section.month");
        card.remove();
        if (section && !section.querySelector(".card")) section.remove();
      });
      selected.delete(String(id));
    }
    const count = document.getElementById("photo-count");
    if (count && removed.length) count.textContent = String(Math.max(0, (parseInt(count.textContent, 10) || 0) - removed.length));
    document.querySelectorAll(".dup-group").forEach((group) => { if (group.querySelectorAll(".card").length < 2) group.remove(); });
    render();
  }
  const idsWith = (answer, ...results) => answer.results.filter((item) => results.includes(item.result)).map((item) => item.id);
  const failures = (answer) => answer.results.filter((item) => item.result === "not_found" || item.result === "rejected");
  function report(text, answer, options) {
    const failed = failures(answer);
    const extra = failed.length ? ` ${Library.plural(failed.length, "photo")} could not be changed: ${failed[0].detail}` : "";
    Library.toast(text + extra, options);
  }

  const run = {
    async favourite(on) {
      const chosen = ids();
      const answer = await Library.bulk("/api/v1/photos/bulk/favourite/", chosen, { favourite: on });
      idsWith(answer, "done", "unchanged").forEach((id) => Library.showHeart(id, on));
      if (!on && kind === "favourites") removeCards(idsWith(answer, "done", "unchanged"));
      report(on ? `${Library.plural(answer.done, "photo")} marked as favourites.` : `Took the heart off ${Library.plural(answer.done, "photo")}.`, answer);
    },
    async trash() {
      const chosen = ids();
      const answer = await Library.bulk("/api/v1/photos/bulk/trash/", chosen);
      const gone = idsWith(answer, "done", "unchanged");
      removeCards(gone);
      report(`Moved ${Library.plural(gone.length, "photo")} to the trash.`, answer, {
        undo: async () => {
          await Library.bulk("/api/v1/photos/bulk/restore/", gone);
          location.reload();
        },
      });
    },
    async restore() {
      const answer = await Library.bulk("/api/v1/photos/bulk/restore/", ids());
      removeCards(idsWith(answer, "done"));
      report(`Restored ${Library.plural(answer.done, "photo")}.`, answer, { link: { href: "/", text: "Open the timeline" } });
    },
    async delete() {
      const chosen = ids();
      if (!window.confirm(`Delete ${Library.plural(chosen.length, "photo")} for good? This cannot be undone.`)) return;
      const answer = await Library.bulk("/api/v1/photos/bulk/delete/", chosen);
      removeCards(idsWith(answer, "done"));
      report(`Deleted ${Library.plural(answer.done, "photo")} for good.`, answer);
    },
    async album() {
      const picked = await Library.pickAlbum(ids());
      if (!picked) return;
      report(`Added ${Library.plural(picked.answer.done, "photo")} to “${picked.album.name}”.`, picked.answer,
        { link: { href: `/albums/${picked.album.id}/`, text: "Open the album" } });
    },
    async remove() {
      const chosen = ids();
      const answer = await Library.bulk(`/api/v1/albums/${albumId}/photos/remove/`, chosen);
      const removed = idsWith(answer, "done");
      removeCards(removed);
      report(`Removed ${Library.plural(removed.length, "photo")} from the album (they stay in your library).`, answer, {
        undo: async () => {
          await Library.bulk(`/api/v1/albums/${albumId}/photos/`, removed);
          location.reload();
        },
      });
    },
    async cover() {
      const chosen = ids();
      if (chosen.length !== 1) { Library.toast("Select one photo to make it the album's cover."); return; }
      await Library.api("PATCH", `/api/v1/albums/${albumId}/`, { cover_photo_id: chosen[0] });
      Library.toast("This photo is the album's cover now.", { link: { href: "/albums/", text: "See your albums" } });
    },
    async tag() {
      const picked = await Library.pickTag(ids());
      if (!picked) return;
      report(`Tagged ${Library.plural(picked.answer.done, "photo")} “${picked.name}”.`, picked.answer);
    },
    like() {
      // "More like these": a search page of its own, so it pages and can be shared like any search.
      window.location.href = `${bar.dataset.likeUrl}?ids=${ids().join(",")}`;
    },
    download() {
      const form = document.getElementById("download-form");
      form.querySelector("input[name=ids]").value = ids().join(",");
      form.submit(); // the browser saves the zip as the server streams it
      Library.toast(`Downloading ${Library.plural(selected.size, "photo")} as a zip…`);
    },
  };

  bar.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const action = button.dataset.action;
    if (action === "clear") return clear();
    if (action === "select-all") { cards().forEach((card) => toggle(card, true)); return render(); }
    if (!selected.size) return;
    button.disabled = true;
    try {
      if (action === "favourite" || action === "unfavourite") await run.favourite(action === "favourite");
      else await run[action]();
    } catch (error) {
      Library.toast(error.message, { error: true });
    } finally {
      render();
    }
  });

  // Cards added later (infinite scroll, "Show more") take the selection state.
  document.addEventListener("photos:loaded", render);
  render();
})();
