// Upload with a progress bar and a result per file: drop anywhere on the page or pick files.
// Each file is its own request to the API (three at a time), so one bad file never blocks the rest.
(function () {
  const zone = document.getElementById("dropzone");
  if (!zone) return;
  const form = document.getElementById("upload-form");
  const input = form.querySelector("input[type=file]");
  const list = document.getElementById("upload-list");
  // The timeline puts new photos in its "Just added" section (their months may be anywhere).
  const grid = document.getElementById("upload-grid") || document.getElementById("photo-grid");
  const template = document.getElementById("card-template");
  const uploadUrl = zone.dataset.uploadUrl;
  const PARALLEL = 3;
  const queue = [];
  let active = 0;
  let summary = null;
  const totals = { added: 0, duplicate: 0, rejected: 0 };

  const RESULT_TEXT = { added: "Added", duplicate: "Already in your gallery", rejected: "Rejected" };

  function addFiles(files) {
    if (!files.length) return;
    if (!summary) {
      summary = document.createElement("li");
      summary.className = "upload-summary";
      list.prepend(summary);
    }
    for (const file of files) {
      const item = document.createElement("li");
      item.className = "upload-item";
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = file.name;
      const bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", "Upload progress of " + file.name);
      const result = document.createElement("span");
      result.className = "result";
      result.textContent = "Waiting…";
      item.append(name, bar, result);
      list.append(item);
      queue.push({ file, item, bar, result });
    }
    updateSummary();
    list.scrollTop = list.scrollHeight;  // the list scrolls past a dozen lines: show the newest
    pump();
  }

  function updateSummary() {
    const done = totals.added + totals.duplicate + totals.rejected;
    const waiting = queue.length + active;
    summary.textContent = (waiting ? `Uploading: ${done} of ${done + waiting} done. ` : "Upload finished: ") +
      `${totals.added} added, ${totals.duplicate} already there, ${totals.rejected} rejected.`;
  }

  function pump() {
    while (active < PARALLEL && queue.length) {
      active += 1;
      send(queue.shift());
    }
  }

  function finish(job, kind, message) {
    job.item.classList.add(kind);
    job.bar.value = 100;
    if (message instanceof Node) job.result.replaceChildren(message);
    else job.result.textContent = message;
    totals[kind] += 1;
    active -= 1;
    if (job.item === list.lastElementChild) list.scrollTop = list.scrollHeight;  // its result may add a line
    updateSummary();
    pump();
  }

  function send(job) {
    const data = new FormData();
    data.append("files", job.file, job.file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", uploadUrl);
    xhr.setRequestHeader("X-CSRFToken", ImageSearch.csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    job.result.textContent = "Uploading…";
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) job.bar.value = Math.round((event.loaded / event.total) * 95);
    };
    xhr.onload = () => {
      if (xhr.status === 429) {  // over the upload rate limit: wait as told, then send the same file again
        const wait = Math.max(1, parseInt(xhr.getResponseHeader("Retry-After"), 10) || 5);
        job.bar.value = 0;
        job.result.textContent = `Waiting ${wait} s (upload limit)…`;
        setTimeout(() => send(job), wait * 1000);
        return;
      }
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* handled below */ }
      const outcome = Array.isArray(body) ? body[0] : null;
      if (!outcome) {
        const reason = ImageSearch.errorMessage(body, `The server answered ${xhr.status}.`);
        return finish(job, "rejected", "Rejected: " + reason);
      }
      if (outcome.result === "rejected") return finish(job, "rejected", "Rejected: " + outcome.error);
      if (outcome.result === "added") addCard(outcome.photo);
      const link = document.createElement("a");
      link.href = "/photos/" + outcome.photo.id + "/";
      link.textContent = RESULT_TEXT[outcome.result];
      finish(job, outcome.result, link);
    };
    xhr.onerror = () => finish(job, "rejected", "Rejected: the connection failed. Try again.");
    xhr.send(data);
  }

  // A new photo is pending: it belongs on the unfiltered gallery and the "waiting" view only.
  const showsNewPhotos = !zone.dataset.statusFilter || ["pending", "waiting"].includes(zone.dataset.statusFilter);

  function addCard(photo) {
    if (!showsNewPhotos) return;
    const empty = document.getElementById("empty-gallery");
    if (empty) empty.remove();
    const count = document.getElementById("photo-count");
    if (count) count.textContent = String((parseInt(count.textContent, 10) || 0) + 1);
    const card = template.content.firstElementChild.cloneNode(true);
    card.dataset.photoId = photo.id;
    card.dataset.status = photo.status;
    card.querySelector("a").href = "/photos/" + photo.id + "/";
    card.querySelector("a").title = photo.original_name;
    card.querySelector(".card-name").textContent = photo.original_name;
    grid.prepend(card);
    const justAdded = document.getElementById("just-added");
    if (justAdded) justAdded.hidden = false;
    document.dispatchEvent(new CustomEvent("photos:added"));
  }

  // Leaving the page would cancel the uploads still running: ask first.
  window.addEventListener("beforeunload", (event) => {
    if (active || queue.length) { event.preventDefault(); event.returnValue = ""; }
  });

  input.addEventListener("change", () => { addFiles(Array.from(input.files)); input.value = ""; });

  let depth = 0;
  const hasFiles = (event) => event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files");
  window.addEventListener("dragenter", (e) => { if (hasFiles(e)) { depth += 1; document.body.classList.add("dragging"); } });
  window.addEventListener("dragleave", () => { depth = Math.max(0, depth - 1); if (!depth) document.body.classList.remove("dragging"); });
  window.addEventListener("dragover", (e) => { if (hasFiles(e)) e.preventDefault(); });
  window.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    document.body.classList.remove("dragging");
    addFiles(Array.from(e.dataTransfer.files));
  });
})();
