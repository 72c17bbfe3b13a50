// The "report is being prepared" page: ask whether the file is ready, first after 2 seconds
// and then a little less often each time, up to every 6 seconds, then say so (the status
// region is polite, so a screen reader reads it when it is free) and start the download.
// Without JavaScript the page's "Check again" link does the same. Backing off matters at
// the end of a workshop: 200 people waiting at once would otherwise ask 100 times a second
// while the worker renders their reports, slowing everyone still typing.
const region = document.getElementById("report-status");
const FIRST_POLL_MS = 2000;
const MAX_POLL_MS = 6000;
const BACK_OFF = 1.4;
const GIVE_UP_MS = 15 * 60 * 1000;

function say(text) {
  document.getElementById("report-status-text").textContent = text;
}

async function check(startedAt, waitedMs) {
  let status = null;
  try {
    const response = await fetch(region.dataset.statusUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (response.ok) {
      const body = await response.json();
      status = body.status;
      if (body.progress && status !== "ready") {
        // A ZIP of many reports says how far it has got (workshops' reports.zip).
        say(`We are preparing the ${region.dataset.kindLabel}. ${body.progress}`);
      }
    }
  } catch {
    // A dropped connection: try again at the next tick.
  }
  if (status === "ready") {
    const label = region.dataset.kindLabel;
    say(`Your report (${label}) is ready. It is downloading now.`);
    const link = document.getElementById("report-check-again");
    link.textContent = `Download the report (${label})`;
    document.getElementById("report-next").replaceChildren(link, " if it has not started.");
    window.location.assign(region.dataset.downloadUrl);
    return;
  }
  if (status === "failed" || status === "too_long") {
    // The page explains what happened and what to do next.
    window.location.reload();
    return;
  }
  if (Date.now() - startedAt > GIVE_UP_MS) {
    say("This is taking longer than usual. Use Check again to try in a while.");
    return;
  }
  const next = Math.min(waitedMs * BACK_OFF, MAX_POLL_MS);
  window.setTimeout(() => check(startedAt, next), next);
}

if (region) {
  window.setTimeout(() => check(Date.now(), FIRST_POLL_MS), FIRST_POLL_MS);
}
