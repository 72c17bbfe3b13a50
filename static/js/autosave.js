// Autosave for the section page (forms with data-module="app-autosave").
//
// Each answer is saved on its own through the JSON endpoint (assessments/answer_views.py)
// as people type, and kept in this browser's localStorage until the server has it. The
// form's Save buttons work as before: this script keeps the form's hidden "<key>-base"
// versions current, so submitting after an autosave is not refused as a conflict.

const TYPING_PAUSE_MS = 2000;
const MAX_RETRY_MS = 60000;
const SUBMIT_WAIT_MS = 5000;
const DRAFT_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;
const DRAFT_PREFIX = "hiat-draft:";
// Browsers refuse keepalive requests whose bodies, in flight together, add up to over 64 KiB.
const KEEPALIVE_MAX_BYTES = 60000;

// localStorage can be missing, blocked or full (private browsing, policies, quota). Every
// use is guarded, and autosave carries on without drafts; `set` says whether it worked.
function safely(action, fallback) {
  try {
    return action();
  } catch {
    return fallback;
  }
}

const drafts = {
  get: (key) => safely(() => JSON.parse(window.localStorage.getItem(key)), null),
  set: (key, draft) => safely(() => window.localStorage.setItem(key, JSON.stringify(draft)) ?? true, false),
  remove: (key) => safely(() => window.localStorage.removeItem(key)),
};

// Called on every page: drafts older than 30 days, of any assessment, are dropped, so text
// is not left on a shared computer for ever (the privacy notice says so).
export function removeOldDrafts() {
  safely(() => {
    for (const key of Object.keys(window.localStorage).filter((k) => k.startsWith(DRAFT_PREFIX))) {
      if (!(Date.now() - (drafts.get(key)?.time || 0) < DRAFT_MAX_AGE_MS)) drafts.remove(key);
    }
  });
}

function newClientId() {
  if (window.crypto.randomUUID) return window.crypto.randomUUID(); // only on HTTPS (and localhost)
  return Array.from(window.crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Read each time: Django gives a new token when someone signs in again.
function csrfToken(form) {
  const cookie = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return cookie ? decodeURIComponent(cookie[1]) : form.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
}

const hhmm = (date) => date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text; // people's text is only ever set as text, never as HTML
  return node;
}

function button(text, secondary, onClick) {
  const node = element("button", `govuk-button${secondary ? " govuk-button--secondary" : ""}`, text);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

export function initAutosave(form) {
  const draftPrefix = `${DRAFT_PREFIX}${form.dataset.user}:${form.dataset.assessment}:`;
  // On the form's own conflict page (after a Save button) the person chooses between two
  // versions with the form's radios: those questions are left to the form.
  const conflicted = (form.querySelector("[name=conflict_keys]")?.value || "").split(",");
  let submitting = false;

  function question(baseInput) {
    const key = baseInput.name.slice(0, -"-base".length);
    const inputs = Array.from(form.querySelectorAll(`[name="${CSS.escape(key)}"]`));
    if (!inputs.length || conflicted.includes(key)) return null;
    const q = {
      key,
      inputs,
      baseInput,
      kind: { checkbox: "multiple", radio: "single" }[inputs[0].type] || "text",
      digestInput: form.querySelector(`[name="${CSS.escape(key)}-digest"]`),
      base: Number(baseInput.value) || 0,
      url: form.dataset.answerUrl.replace("__key__", encodeURIComponent(key)),
      draftKey: draftPrefix + key,
      group: inputs[0].closest(".govuk-form-group"),
      status: element("p", "govuk-body-s app-autosave__status", ""),
      kept: true, // whether the latest draft reached localStorage
      pending: null, // the latest edit the server has not acknowledged: {value, clientId}
      retry: null, // a save whose outcome is unknown: sent again, before anything newer
      inFlight: null, // the promise of the one request in flight
      blocked: null, // "conflict", "invalid", "signed-out" or "refused": no automatic saves
      timer: 0, // the pause before sending the latest edit
      retryTimer: 0, // the wait before trying again, growing with each `attempt`
      attempt: 0,
    };
    q.saved = read(q); // what the server has, as far as this page knows
    q.status.id = `${key}-autosave-status`;
    q.status.setAttribute("aria-live", "polite");
    q.group.append(q.status);
    const described = q.kind === "text" ? inputs[0] : q.group.querySelector("fieldset");
    described?.setAttribute("aria-describedby", `${described.getAttribute("aria-describedby") || ""} ${q.status.id}`);
    return q;
  }

  function read(q) {
    if (q.kind === "text") return q.inputs[0].value;
    const chosen = q.inputs.filter((input) => input.checked).map((input) => input.value);
    return q.kind === "single" ? chosen[0] || "" : chosen.sort(); // sorted, as the server keeps them
  }

  function write(q, value) {
    if (q.kind === "text") {
      q.inputs[0].value = value;
      q.inputs[0].dispatchEvent(new Event("keyup")); // GOV.UK's character count listens for it
    } else {
      q.inputs.forEach((input) => (input.checked = [].concat(value).includes(input.value)));
    }
  }

  // Changes of state only: the live region is rewritten (and so announced) when it says
  // something new, never on each keystroke.
  function show(q, parts, { error = false, strong = false } = {}) {
    if (q.restoredAt && parts.length) {
      parts = [`Restored text you had not saved (typed at ${hhmm(q.restoredAt)}). `, ...parts];
    }
    const said = JSON.stringify([parts.map((part) => part.textContent ?? part), error, strong]);
    if (said === q.said) return;
    q.said = said;
    q.status.className = `${error ? "govuk-error-message" : "govuk-body-s"} app-autosave__status`;
    q.status.classList.toggle("govuk-!-font-weight-bold", strong);
    q.group.classList.toggle("govuk-form-group--error", error);
    if (q.kind === "text") q.inputs[0].classList.toggle("govuk-textarea--error", error);
    q.status.replaceChildren(...(error ? [element("span", "govuk-visually-hidden", "Error: ")] : []), ...parts);
  }

  const kept = (q) => (q.kept ? "your text is kept on this device" : "keep this page open to keep your text");

  function setBase(q, version) {
    q.base = version;
    q.baseInput.value = String(version);
    // Blank means "changed by this person": the form then sends this answer against the
    // version above, and the server, finding it unchanged, leaves it alone.
    if (q.digestInput) q.digestInput.value = "";
  }

  // Each edit gets its own client id, so a save retried after a lost answer is applied once.
  // It is kept on the device before it is sent, and removed when the server has it.
  function keep(q, value) {
    q.pending = { value, clientId: newClientId() };
    q.kept = drafts.set(q.draftKey, { value, base: q.base, clientId: q.pending.clientId, time: Date.now() });
  }

  function edit(q, delay) {
    const value = read(q);
    q.restoredAt = null;
    if (q.blocked && q.blocked !== "conflict") {
      q.blocked = null; // changed text is worth trying again
      show(q, []);
    }
    q.mine?.replaceChildren(...answerView(q, value));
    clearTimeout(q.timer);
    q.timer = 0;
    if (!q.inFlight && !q.retry && !q.blocked && same(value, q.saved)) {
      q.pending = null; // changed back to what the server has
      drafts.remove(q.draftKey);
      return;
    }
    keep(q, value);
    q.timer = setTimeout(() => flush(q), delay);
  }

  function flush(q) {
    clearTimeout(q.timer);
    q.timer = 0;
    const item = q.retry || q.pending;
    if (!item || q.inFlight || q.blocked || submitting) return;
    clearTimeout(q.retryTimer);
    q.retryTimer = 0;
    q.inFlight = send(q, item).finally(() => {
      q.inFlight = null;
      // Edits made meanwhile go next, unless their own pause or a retry is still to come.
      if (!q.timer && !q.retryTimer) flush(q);
    });
  }

  async function send(q, item) {
    show(q, ["Saving…"]);
    const base = item.base ?? q.base; // a draft from an older version says which
    const body = JSON.stringify({ value: item.value, base_version: base, client_id: item.clientId });
    let response;
    let data;
    try {
      response = await fetch(q.url, {
        method: "POST",
        credentials: "same-origin",
        // A save must outlive the page: it is often sent as the person leaves (clicking a
        // link blurs the box; then the page hides). navigator.sendBeacon cannot send the
        // X-CSRFToken header; a keepalive fetch survives the page in the same way.
        keepalive: new TextEncoder().encode(body).length < KEEPALIVE_MAX_BYTES,
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(form) },
        body,
      });
      data = await response.json().catch(() => ({}));
    } catch {
      return retryLater(q, item);
    }
    const status = response.status;
    if (response.ok && Number.isInteger(data.version)) return saved(q, item, data);
    if (status === 409 && Number.isInteger(data.version)) return conflict(q, item, data);
    if (status >= 500 || status === 429 || response.ok) return retryLater(q, item);
    if (q.retry === item) q.retry = null;
    if (q.pending && q.pending !== item) return; // newer text replaced what was refused
    if (status === 400 || status === 413) {
      q.blocked = "invalid"; // until the text changes: the same text would be refused again
      return show(q, [data.error || "This answer could not be saved. Change it to try again."], { error: true });
    }
    if (status === 401) {
      q.blocked = "signed-out";
      const local = /^\/(?!\/)/.test(data.sign_in_url); // only ever a page of this site
      const signIn = new URL(local ? data.sign_in_url : "/accounts/login/", location.origin);
      signIn.searchParams.set("next", location.pathname + location.search);
      const link = element("a", "govuk-link", q.kept ? "Sign in again" : "Sign in again (opens in a new tab)");
      link.href = signIn.pathname + signIn.search;
      if (!q.kept) link.target = "_blank"; // leaving this page would lose the text
      return show(q, ["Not saved: you have been signed out. ", link, ` — ${kept(q)}.`], { strong: true });
    }
    q.blocked = "refused"; // 403, 404, or Django's page for a form that expired: retrying would not help
    const reason = data.error || "this page has expired. Reload the page.";
    show(q, [`Not saved: ${reason} Meanwhile ${kept(q)}.`], { strong: true });
  }

  function saved(q, item, data) {
    q.attempt = 0;
    if (q.retry === item) q.retry = null;
    if (q.pending === item) q.pending = null;
    const draft = drafts.get(q.draftKey);
    if (draft && same(draft.value, item.value)) drafts.remove(q.draftKey);
    // A draft from an older version that the server had already saved (its client id was
    // answered as the first time) before someone's newer version: the newer one stands.
    if (item.base !== undefined && data.version <= q.base) return show(q, []);
    if (item.base !== undefined && same(read(q), q.saved)) write(q, item.value);
    setBase(q, data.version);
    q.saved = item.value;
    if (q.pending && draft) drafts.set(q.draftKey, { ...draft, base: q.base }); // newer text builds on this
    document.dispatchEvent(new CustomEvent("hiat:activity"));
    show(q, [`Saved at ${hhmm(new Date(data.saved_at || Date.now()))}`]);
  }

  function retryLater(q, item) {
    q.retry = item; // sent again with its client id, before anything newer: applied once
    const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** q.attempt++) * (0.8 + Math.random() * 0.4);
    q.retryTimer = setTimeout(() => {
      q.retryTimer = 0;
      flush(q);
    }, delay);
    if (navigator.onLine !== false) return show(q, ["Not saved, retrying"], { strong: true });
    const what = q.kept ? "Your text is kept on this device and" : "Keep this page open: your text";
    show(q, [`Not saved: you are offline. ${what} will be saved when you are back online`], { strong: true });
  }

  function answerView(q, value) {
    if (q.kind === "text") {
      return [value.trim() ? element("div", "govuk-body app-answer", value) : element("p", "govuk-body", "(blank)")];
    }
    // The labels of the options chosen, read from the page, in the page's order.
    const chosen = [].concat(value);
    const labels = q.inputs
      .filter((input) => chosen.includes(input.value))
      .map((input) => input.labels[0]?.textContent.trim() || input.value);
    if (!labels.length) return [element("p", "govuk-body", "(nothing chosen)")];
    const list = element("ul", "govuk-list govuk-list--bullet", "");
    list.append(...labels.map((label) => element("li", "", label)));
    return [list];
  }

  function conflict(q, item, data) {
    if (q.retry === item) q.retry = null;
    // A draft from an older version is put in the box, unless the person has typed since.
    if (item.base !== undefined && same(read(q), q.saved)) write(q, item.value);
    q.blocked = "conflict"; // nothing is saved until the person chooses
    q.conflict = data;
    q.panel?.remove();
    const who = data.updated_by;
    const at = hhmm(new Date(data.updated_at));
    const heading = element("h3", "govuk-heading-s", `${who} changed this answer at ${at} while you were editing.`);
    heading.tabIndex = -1;
    q.mine = element("div", "", ""); // kept in step with the box as the person types
    q.mine.append(...answerView(q, read(q)));
    q.yours = element("div", "", "");
    q.yours.append(element("h4", "govuk-heading-s", "Your answer"), q.mine);
    q.actions = element("div", "govuk-button-group", "");
    q.actions.append(
      button("Keep my answer", false, () => resolve(q, "mine")),
      button("Use their answer", true, () => resolve(q, "theirs")),
      button("Combine them", true, () => resolve(q, "combine")),
    );
    q.panel = element("div", "govuk-inset-text app-conflict", "");
    q.panel.append(heading, element("h4", "govuk-heading-s", "Their answer"), ...answerView(q, data.value));
    q.panel.append(q.yours, q.actions);
    q.group.after(q.panel);
    const choose = `Not saved: ${who} changed this answer while you were editing. Choose which answer to keep.`;
    show(q, [choose], { strong: true });
    // Focus moves to the choice only when that does not take the person away from their typing.
    if (!document.activeElement || document.activeElement === document.body) heading.focus();
  }

  const focusField = (q) => (q.inputs.find((input) => input.checked) || q.inputs[0]).focus();

  function resolve(q, choice) {
    const theirs = q.conflict;
    setBase(q, theirs.version);
    q.saved = theirs.value;
    q.blocked = q.conflict = q.pending = q.mine = null;
    show(q, []); // the "choose" message is answered
    if (choice === "theirs") {
      write(q, theirs.value);
      drafts.remove(q.draftKey);
      q.panel.remove();
      show(q, [`Using their answer, saved at ${hhmm(new Date(theirs.updated_at))}`]);
    } else if (choice === "mine") {
      q.panel.remove();
      edit(q, 0);
    } else {
      // Their answer stays in view while the person edits the box; the next pause in
      // typing saves the result (as do leaving the page and the form's Save buttons).
      const panel = q.panel;
      q.yours.remove();
      q.actions.replaceWith(
        element("p", "govuk-body", "Change the answer in the box to combine both. It is saved when you stop typing."),
        button("Hide their answer", true, () => {
          panel.remove();
          focusField(q);
        }),
      );
      keep(q, read(q));
    }
    q.yours = q.actions = null;
    focusField(q);
  }

  const questions = Array.from(form.querySelectorAll('input[type=hidden][name$="-base"]'), question).filter(Boolean);
  const byName = new Map(questions.map((q) => [q.key, q]));

  // Text typed earlier that the server never acknowledged (the page was closed offline,
  // the person was signed out...). Typed on this version of the answer: put back and
  // saved. On an older version: sent as it was, so the server says whether someone else
  // changed the answer since (then the person chooses).
  for (const q of questions) {
    const draft = drafts.get(q.draftKey);
    if (!draft) continue;
    const fits = q.kind === "multiple" ? Array.isArray(draft.value) : typeof draft.value === "string";
    if (!fits || same(draft.value, q.saved)) {
      drafts.remove(q.draftKey);
      continue;
    }
    q.pending = { value: draft.value, clientId: draft.clientId };
    if (draft.base === q.base) {
      write(q, draft.value);
      q.restoredAt = new Date(draft.time);
    } else {
      q.pending.base = draft.base;
    }
    flush(q);
  }

  form.addEventListener("input", (event) => {
    const q = byName.get(event.target.name);
    if (q?.kind === "text") edit(q, TYPING_PAUSE_MS);
  });
  form.addEventListener("change", (event) => {
    const q = byName.get(event.target.name);
    if (q && q.kind !== "text") edit(q, 0);
  });
  form.addEventListener("focusout", (event) => {
    const q = byName.get(event.target.name);
    // Not when focus goes to a Save button: the form is about to send this answer itself.
    const toSave = event.relatedTarget?.form === form && event.relatedTarget.type === "submit";
    if (q?.timer && !toSave) flush(q);
  });

  // The form is sent once the saves in flight have answered (so the hidden versions are
  // current), or after SUBMIT_WAIT_MS whatever happens: a submission is never blocked.
  form.addEventListener("submit", (event) => {
    if (submitting) return;
    submitting = true; // also stops page-hide saves of what the form itself is sending
    event.preventDefault();
    for (const q of questions) {
      clearTimeout(q.timer);
      clearTimeout(q.retryTimer);
    }
    const inFlight = questions.map((q) => q.inFlight).filter(Boolean);
    Promise.race([Promise.allSettled(inFlight), wait(SUBMIT_WAIT_MS)]).then(() => {
      if (event.submitter?.name) {
        const which = Object.assign(document.createElement("input"), { type: "hidden" });
        Object.assign(which, { name: event.submitter.name, value: event.submitter.value });
        form.append(which);
      }
      HTMLFormElement.prototype.submit.call(form);
    });
  });

  // Leaving or hiding the page sends what is waiting at once (a phone may never show it again).
  const flushAll = () => questions.forEach((q) => flush(q));
  window.addEventListener("pagehide", flushAll);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") return flushAll();
    // Back from another tab, perhaps after signing in there.
    for (const q of questions.filter((q) => q.blocked === "signed-out")) {
      q.blocked = null;
      flush(q);
    }
  });
  window.addEventListener("online", () => questions.filter((q) => q.retryTimer).forEach((q) => flush(q)));
}
