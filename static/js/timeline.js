// Photo lists (the timeline, favourites, an album, the trash): infinite scroll in both directions
// over the keyset pages' links ("Older photos" / "Newer photos"), joining a month that continues
// across pages; the jump list (scrubber and phone menu) scrolls to a month already on the page or
// opens the list there; the scrubber marks the month in view.
(function () {
  const list = document.querySelector(".photo-list[data-selectable]");
  if (!list) return;
  const MARGIN = "900px";

  // The month titles stick below the top bar and a jump lands below it; the bar wraps to two rows
  // on phones, so its height is measured rather than assumed.
  const topbar = document.querySelector(".topbar");
  function measureTopbar() {
    if (topbar) document.documentElement.style.setProperty("--topbar-height", `${topbar.offsetHeight}px`);
  }
  measureTopbar();
  window.addEventListener("resize", measureTopbar);

  const realSections = () => Array.from(list.querySelectorAll("section.month:not(.just-added)"));

  function firstVisibleCard() {
    return Array.from(list.querySelectorAll(".card")).find((card) => card.getBoundingClientRect().bottom > 0);
  }

  function joinOlder(doc) {
    const sections = Array.from(doc.querySelectorAll("section.month"));
    const slot = list.querySelector(".list-older");
    if (!sections.length) { // a flat list (the trash)
      const grids = list.querySelectorAll(".grid");
      const grid = grids[grids.length - 1];
      const incoming = doc.querySelector(".grid");
      if (grid && incoming) grid.append(...incoming.children);
      else if (incoming) list.insertBefore(incoming, slot);
      return;
    }
    for (const section of sections) {
      const mine = realSections();
      const last = mine[mine.length - 1];
      if (last && last.dataset.month === section.dataset.month) last.querySelector(".grid").append(...section.querySelector(".grid").children);
      else list.insertBefore(document.adoptNode(section), slot);
    }
  }

  function joinNewer(doc) {
    const sections = Array.from(doc.querySelectorAll("section.month")).reverse();
    const slot = list.querySelector(".list-newer");
    if (!sections.length) {
      const grid = list.querySelector(".grid:not(#upload-grid)");
      const incoming = doc.querySelector(".grid");
      if (grid && incoming) grid.prepend(...incoming.children);
      return;
    }
    for (const section of sections) {
      const first = realSections()[0];
      if (first && first.dataset.month === section.dataset.month) first.querySelector(".grid").prepend(...section.querySelector(".grid").children);
      else slot.after(document.adoptNode(section));
    }
  }

  const loading = new Set();
  async function load(link) {
    const direction = link.classList.contains("load-newer") ? "newer" : "older";
    if (loading.has(direction)) return;
    loading.add(direction);
    const holder = link.closest(".list-more");
    holder.classList.add("loading");
    try {
      const response = await fetch(link.href, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const anchor = direction === "newer" ? firstVisibleCard() : null;
      const before = anchor ? anchor.getBoundingClientRect().top : 0;
      if (direction === "newer") joinNewer(doc); else joinOlder(doc);
      const next = doc.querySelector(direction === "newer" ? ".list-newer" : ".list-older");
      if (next) { holder.replaceWith(document.adoptNode(next)); watch(); } else holder.remove();
      // Photos put above the ones in view must not push them away.
      if (anchor) window.scrollBy(0, anchor.getBoundingClientRect().top - before);
      document.dispatchEvent(new CustomEvent("photos:loaded"));
      watchSections();
    } catch (error) {
      holder.classList.remove("loading"); // the link still works by hand
    } finally {
      loading.delete(direction);
    }
  }

  const observer = "IntersectionObserver" in window
    ? new IntersectionObserver((entries) => entries.forEach((entry) => { if (entry.isIntersecting) load(entry.target); }),
      { rootMargin: `${MARGIN} 0px ${MARGIN} 0px` })
    : null;
  function watch() {
    if (!observer) return;
    list.querySelectorAll(".load-older, .load-newer").forEach((link) => observer.observe(link));
  }
  list.addEventListener("click", (event) => {
    const link = event.target.closest(".load-older, .load-newer");
    if (link) { event.preventDefault(); load(link); }
  });

  // --- The jump list ----------------------------------------------------------------------
  function scrollToMonth(key) {
    const section = document.getElementById(`month-${key}`);
    if (!section) return false;
    section.scrollIntoView({ block: "start" });
    return true;
  }
  document.addEventListener("click", (event) => {
    const link = event.target.closest(".jump a[data-month]");
    if (link && !event.metaKey && !event.ctrlKey && scrollToMonth(link.dataset.month)) event.preventDefault();
  });
  const menu = document.getElementById("jump-menu");
  if (menu) {
    const select = menu.querySelector("select");
    menu.querySelector(".jump-go").hidden = true; // choosing is enough
    select.addEventListener("change", () => {
      if (!select.value) return;
      if (!scrollToMonth(select.value)) menu.submit();
    });
  }

  // The scrubber marks the month in view.
  const scrubber = document.getElementById("scrubber");
  let sectionObserver = null;
  function watchSections() {
    if (!scrubber || !("IntersectionObserver" in window)) return;
    if (!sectionObserver) {
      sectionObserver = new IntersectionObserver((entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          const key = entry.target.dataset.month;
          scrubber.querySelectorAll("a.current").forEach((a) => a.classList.remove("current"));
          const link = scrubber.querySelector(`.scrub-months a[data-month="${key}"]`);
          if (link) {
            link.classList.add("current");
            link.closest(".scrub-year").querySelector(".scrub-year-link").classList.add("current");
            const rail = scrubber.parentElement; // the sticky nav scrolls on its own, never the page
            const top = link.offsetTop, bottom = top + link.offsetHeight;
            if (top < rail.scrollTop || bottom > rail.scrollTop + rail.clientHeight) rail.scrollTop = top - rail.clientHeight / 2;
          }
        }
      }, { rootMargin: "-20% 0px -70% 0px" });
    }
    realSections().forEach((section) => sectionObserver.observe(section));
  }

  watch();
  watchSections();
})();
