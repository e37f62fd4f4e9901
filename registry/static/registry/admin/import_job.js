// The page of an admin import job that a worker is running: poll the job's status (a
// small JSON answer) every second, show its progress, and reload the page when the job
// has finished its step, which then shows the preview or what the import did.
"use strict";
(function () {
  const POLL_MS = 1000;
  const box = document.getElementById("import-progress");
  if (!box) {
    return;
  }
  const bar = box.querySelector("progress");
  const text = box.querySelector(".import-progress-text");

  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        const job = await response.json();
        if (!job.running) {
          window.location.reload();
          return;
        }
        bar.max = Math.max(job.total, 1);
        bar.value = job.done;
        bar.textContent = `${job.done} of ${job.total}`;
        text.textContent = job.text;
        box.dataset.status = job.status;
      } else if (response.status === 404 || response.status === 403) {
        window.location.reload(); // the job was discarded, or the session ended
        return;
      }
    } catch (error) {
      // The server did not answer (a restart, the network): ask again next time.
    }
    window.setTimeout(poll, POLL_MS);
  }

  window.setTimeout(poll, POLL_MS);
})();
