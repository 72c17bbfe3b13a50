// The workshop dashboard: every few seconds, ask for the progress table and put it in place
// when it has changed. The server answers 304 (no body) while nothing has changed, so a
// trainer's open dashboard costs almost nothing. Without JavaScript the page's "Refresh the
// progress" link does the same by hand. Not a live region: a table read out every three
// seconds would drown everything else.
const region = document.getElementById("workshop-progress");

async function refresh() {
  const headers = { Accept: "text/html" };
  if (region.dataset.etag) {
    headers["If-None-Match"] = region.dataset.etag;
  }
  try {
    const response = await fetch(region.dataset.progressUrl, {
      headers,
      credentials: "same-origin",
      cache: "no-store",
    });
    if (response.status === 200) {
      region.innerHTML = await response.text();
      region.dataset.etag = response.headers.get("ETag") || "";
    }
    if (response.status === 200 || response.status === 304) {
      const now = new Date().toLocaleTimeString("en-GB");
      document.getElementById("workshop-refresh-note").textContent = `(updates by itself; checked at ${now})`;
    }
  } catch {
    // A dropped connection: try again at the next tick.
  }
}

function start() {
  const seconds = Number(region.dataset.pollSeconds) || 3;
  window.setInterval(() => {
    if (document.visibilityState === "visible") {
      refresh();
    }
  }, seconds * 1000);
}

if (region) {
  start();
}
