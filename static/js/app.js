// Small enhancements; every page works without them.
"use strict";

// Ask before destructive or far-reaching actions: <button data-confirm="Really?">.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Sortable tables: click a column header of any table with class "sortable".
function sortTable(table, column, ascending) {
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const key = (row) => (row.cells[column] ? row.cells[column].dataset.sort || row.cells[column].textContent.trim() : "");
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    const nx = Number(x), ny = Number(y);
    const order = (!Number.isNaN(nx) && !Number.isNaN(ny) && x !== "" && y !== "") ? nx - ny : x.localeCompare(y);
    return ascending ? order : -order;
  });
  rows.forEach((row) => body.appendChild(row));
}

document.querySelectorAll("table.sortable").forEach((table) => {
  Array.from(table.tHead.rows[0].cells).forEach((th, column) => {
    const label = th.textContent.trim();
    // Columns without a visible title (a column of checkboxes) are not sortable.
    if (!label || th.querySelector(".visually-hidden") || th.dataset.sortable === "false") return;
    th.setAttribute("aria-sort", "none");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th[aria-sort]").forEach((other) => other.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      sortTable(table, column, ascending);
    });
  });
});

// Job pages poll their JSON and move the progress bar until the job ends.
document.querySelectorAll("[data-job-url]").forEach((panel) => {
  const url = panel.dataset.jobUrl;
  const bar = panel.querySelector(".job-progress");
  const update = async () => {
    let job;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      job = await response.json();
    } catch (error) {
      window.setTimeout(update, 3000);
      return;
    }
    bar.max = job.total || 1;
    bar.value = job.done;
    bar.textContent = `${job.percent}%`;
    panel.querySelector(".job-status").textContent = job.status;
    panel.querySelector(".job-count").textContent = `${job.done} of ${job.total} (${job.percent}%)`;
    panel.querySelector(".job-message").textContent = job.message;
    panel.querySelector(".job-error").textContent = job.error;
    if (job.finished) {
      if (job.result && job.result.next_url && !panel.querySelector(".job-next")) {
        const link = document.createElement("a");
        link.className = "button primary job-next";
        link.href = job.result.next_url;
        link.textContent = "Continue";
        panel.appendChild(link);
      }
      return;
    }
    window.setTimeout(update, 1000);
  };
  update();
});

// Drag and drop onto an upload form: the dropped files go into its file input and it submits.
document.querySelectorAll("[data-dropzone]").forEach((zone) => {
  const input = zone.querySelector('input[type="file"]');
  ["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (event) => {
    event.preventDefault();
    zone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((name) => zone.addEventListener(name, () => zone.classList.remove("over")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    zone.requestSubmit();
  });
});

// Live preview of a letter template: re-render a moment after the typing stops.
document.querySelectorAll("form[data-live-preview]").forEach((form) => {
  const panel = document.getElementById("live-preview");
  if (!panel) return;
  const output = panel.querySelector(".letter-preview");
  const problem = panel.querySelector(".preview-error");
  let timer;
  const refresh = async () => {
    const response = await fetch(form.dataset.livePreview, { method: "POST", body: new FormData(form) });
    if (!response.ok) return;
    const result = await response.json();
    problem.textContent = result.error;
    if (result.html) {
      // The server escapes every value before it builds this fragment (frame_to_html).
      output.innerHTML = result.html;
      output.hidden = false;
      const empty = panel.querySelector(".preview-empty");
      if (empty) empty.remove();
    }
  };
  form.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 600);
  });
});
