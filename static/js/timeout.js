// The timeout warning (the GOV.UK timeout warning pattern; WCAG 2.2.1 Timing Adjustable).
//
// A signed-in session ends after a time without activity (accounts/middleware.py). A while
// before it does, this opens the dialog of templates/includes/timeout_warning.html so that
// someone who is reading, thinking or away for a moment can choose to stay signed in.
//
// The server keeps the clock. Before showing the warning, and once a minute while it shows,
// this asks the status URL how long is really left: another tab may have been used since
// this page loaded. Asking with GET does not count as activity; "Stay signed in" POSTs.
//
// Other scripts that talk to the server (autosave) dispatch a `hiat:activity` event on
// `document` after each successful request, which starts the wait again.

const MINUTE = 60;

export function initTimeoutWarning(dialog) {
  // No dialog: nobody is signed in. No showModal: a browser too old to show it properly.
  if (!dialog || typeof dialog.showModal !== "function") return;

  const idle = Number(dialog.dataset.idleSeconds);
  const warning = Number(dialog.dataset.warningSeconds);
  const statusUrl = dialog.dataset.statusUrl;
  const signInUrl = dialog.dataset.signInUrl;
  const time = dialog.querySelector("[data-timeout-time]");
  const announcement = dialog.querySelector("[data-timeout-announcement]");
  const stayButton = dialog.querySelector("[data-timeout-stay]");

  let timer;
  // When this page thinks the session ends: used only when the server cannot be asked.
  let deadline = Date.now() + idle * 1000;
  let returnFocusTo = null;

  function checkIn(seconds) {
    clearTimeout(timer);
    timer = setTimeout(async () => update(await sessionStatus("GET")), seconds * 1000);
  }

  function restart() {
    deadline = Date.now() + idle * 1000;
    checkIn(idle - warning);
  }

  async function sessionStatus(method) {
    try {
      const response = await fetch(statusUrl, {
        method,
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
        cache: "no-store",
      });
      // Sent to the sign-in page: the absolute limit (12 hours from sign-in) has ended it.
      if (response.redirected) return { signed_in: false };
      return response.ok ? await response.json() : null;
    } catch {
      return null;
    }
  }

  // Act on the server's answer, or on this page's own estimate when there was none (better
  // a warning that was not needed than a session ended without one).
  function update(status) {
    if (status && !status.signed_in) return signIn();
    const left = status ? status.expires_in : Math.round((deadline - Date.now()) / 1000);
    // Only the server says a session has ended: offline, or with the server not answering,
    // ask again shortly rather than send someone to a sign-in page that cannot load.
    if (left <= 0) return status ? signIn() : checkIn(15);
    deadline = Date.now() + left * 1000;
    if (left > warning) {
      if (dialog.open) dialog.close(); // someone stayed signed in from another tab
      checkIn(left - warning);
    } else {
      show(left);
      // Again in a minute, not every second: each new time is read out by screen readers.
      // Or a second after the end, to find the session over.
      checkIn(Math.min(MINUTE, left + 1));
    }
  }

  function show(secondsLeft) {
    const minutes = Math.ceil(secondsLeft / MINUTE);
    const text = `${minutes} minute${minutes === 1 ? "" : "s"}`;
    time.textContent = text;
    if (!dialog.open) {
      returnFocusTo = document.activeElement;
      dialog.showModal();
      stayButton.focus();
    }
    // A live region (role="status"): read out when its text changes, at most once a minute.
    const message = `We will sign you out in ${text}.`;
    if (announcement.textContent !== message) announcement.textContent = message;
  }

  async function stay() {
    if (dialog.open) dialog.close();
    update(await sessionStatus("POST"));
  }

  // The session has ended on the server (or is ending now): the sign-in page says why and
  // brings the person back to this page.
  function signIn() {
    clearTimeout(timer);
    window.location.assign(signInUrl);
  }

  stayButton.addEventListener("click", stay);
  // Escape means "stay signed in", as in GOV.UK's pattern: closing the warning is not a
  // choice to be signed out.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    stay();
  });
  dialog.addEventListener("close", () => {
    if (returnFocusTo && returnFocusTo.isConnected) returnFocusTo.focus();
    returnFocusTo = null;
  });
  document.addEventListener("hiat:activity", () => {
    if (!dialog.open) restart();
  });
  restart();
}

// Django's CSRF token: its cookie, or failing that any form's hidden field.
function csrfToken() {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  return field ? field.value : "";
}
