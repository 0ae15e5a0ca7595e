/*
 * The outbox: count records typed without a connection, kept on this device until the server
 * has them (issue #16: teams on islands and in poor coverage).
 *
 * Offline (or with a photo), the entry form's button keeps the record in IndexedDB, checked
 * first by the live checks' rules (tally.js), under a key made once on the device. With a
 * connection each record is posted with that key (web/outbox_pages.py), so a repeat after a
 * lost answer, a reload or another tab gets the same record back; then its photo, which the
 * server keeps once. The panel shows each as waiting, sent, accepted or refused (with the
 * server's messages beside the fields).
 */
(() => {
  "use strict";

  const DB_NAME = "election-outbox";
  const STORE = "records";
  const PAGES = "tally-pages-v1"; // the service worker's copy of the entry pages (sw.js)
  const RETRY_MS = 15000;
  const MAX_PHOTO = 10 * 1024 * 1024;
  const PHOTO_TYPES = ["image/jpeg", "image/png", "application/pdf"];
  const STATES = {
    waiting: "Đang chờ gửi",
    sent: "Đã gửi",
    accepted: "Đã được chấp nhận",
    refused: "Bị từ chối",
  };
  const NO_ANSWER = "Chưa nhận được trả lời của máy chủ; sẽ gửi lại với cùng mã, không bị trùng.";
  const SIGN_IN = "Phiên đăng nhập đã hết: hãy đăng nhập lại; biên bản vẫn được giữ trên máy.";
  const LATER = "Máy chủ chưa nhận; sẽ tự thử lại.";
  const BAD_PHOTO = "Chỉ nhận ảnh JPEG, PNG hoặc tệp PDF, tối đa 10 MB";

  const panel = document.querySelector("[data-outbox]");
  if (!panel || !window.indexedDB) return;
  const user = panel.dataset.user;
  const list = panel.querySelector("[data-list]");
  const net = panel.querySelector("[data-net]");
  const form = document.querySelector("form[data-tally][data-send]");
  const photo = form && form.querySelector("[data-photo-input]");
  const here = form ? { va: form.dataset.va, contest: form.dataset.contest } : null;
  let fixing = null; // a refused record of this page, loaded back into the form
  const sameRecord = (item) => here && item.va === here.va && item.contest === here.contest;
  let flushing = false;
  let keeping = false;

  // -- the device's store
  let opened = null;
  function database() {
    opened ||= new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return opened;
  }
  async function withStore(mode, act) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = act(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }
  const save = (item) => withStore("readwrite", (s) => s.put(item));
  const forget = (key) => withStore("readwrite", (s) => s.delete(key));
  async function items() {
    const all = await withStore("readonly", (s) => s.getAll());
    return all.filter((item) => item.user === user).sort((a, b) => a.savedAt - b.savedAt);
  }

  function newKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
  }
  const csrfToken = () => document.querySelector('input[name="csrf_token"]')?.value || "";
  const clock = (ms) =>
    new Date(ms).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit" });

  // A post of the page's session: {response, answer (its JSON)}, or null without an answer.
  async function post(url, body) {
    try {
      const response = await fetch(url, {
        method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" },
      });
      const json = (response.headers.get("Content-Type") || "").includes("application/json");
      return { response, answer: json ? await response.json().catch(() => null) : null };
    } catch (error) {
      return null;
    }
  }
  // A refusal that sending again cannot change (a broken rule, a record already there).
  const final = (response, answer) =>
    answer !== null && response.status >= 400 && response.status < 500 &&
    response.status !== 401 && response.status !== 429 && answer.code !== "csrf";
  const pause = (response, answer) =>
    response.status === 401 || answer?.code === "csrf" ? SIGN_IN : LATER;

  // -- sending: the record under its key, then its photo
  async function sendRecord(item) {
    item.state = "sent";
    item.sentAt ||= Date.now();
    await save(item);
    render();
    const body = new URLSearchParams(item.fields);
    body.set("idempotency_key", item.key);
    body.set("csrf_token", csrfToken());
    const sent = await post(`/tally/${encodeURIComponent(item.va)}/${encodeURIComponent(item.contest)}/send`, body);
    if (!sent) {
      item.note = NO_ANSWER; // it may have arrived: the same key settles it next time
      return false;
    }
    const { response, answer } = sent;
    if (response.status === 201 && answer) {
      Object.assign(item, { recordId: answer.id, version: answer.version, url: answer.url, note: null });
      if (!item.photo) accept(item);
      return true;
    }
    if (final(response, answer)) {
      Object.assign(item, { state: "refused", message: answer.message, errors: answer.errors || {}, note: null });
      if (answer.id) item.url = `/tally/record/${answer.id}`;
    } else {
      item.note = pause(response, answer);
    }
    return false;
  }

  async function sendPhoto(item) {
    const body = new FormData();
    body.set("csrf_token", csrfToken());
    body.set("file", item.photo, item.photoName || "bien-ban");
    const sent = await post(`/tally/record/${item.recordId}/evidence/send`, body);
    if (!sent) {
      item.note = NO_ANSWER;
      return;
    }
    const { response, answer } = sent;
    if (response.status === 201) {
      item.photoState = "accepted";
    } else if (final(response, answer) || response.status === 413) {
      item.photoState = "refused";
      item.photoMessage = answer?.message || BAD_PHOTO;
    } else {
      item.note = pause(response, answer);
      return;
    }
    item.photo = null; // the server has it, or will never take it: free the device's space
    accept(item);
  }

  const accept = (item) =>
    Object.assign(item, { state: "accepted", acceptedAt: Date.now(), note: null });

  async function deliver(item) {
    if (item.state === "waiting" || (item.state === "sent" && !item.recordId)) {
      const stored = await sendRecord(item);
      await save(item);
      if (!stored) return;
    }
    if (item.state === "sent" && item.recordId && item.photo) {
      await sendPhoto(item);
      await save(item);
    }
  }

  async function flush() {
    if (flushing || !navigator.onLine) return;
    flushing = true;
    try {
      const run = async () => {
        for (const item of await items()) if (navigator.onLine) await deliver(item);
      };
      // One sender at a time across this device's tabs (the key would settle it anyway).
      if (navigator.locks) await navigator.locks.request(DB_NAME, run);
      else await run();
    } finally {
      flushing = false;
      render();
    }
  }

  // -- the panel
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }
  function button(text, act) {
    const node = el("button", { type: "button", class: "secondary" }, text);
    node.addEventListener("click", act);
    return node;
  }

  function detail(item) {
    if (item.state === "waiting") return "lưu trên máy này, sẽ tự gửi khi có mạng";
    if (item.state === "sent" && item.recordId) return "biên bản đã đến máy chủ; ảnh đang chờ gửi";
    if (item.state === "sent") return "đang chờ máy chủ xác nhận";
    if (item.state === "accepted") return `lưu thành biên bản, phiên bản ${item.version}`;
    return item.message || "";
  }

  function photoLine(item) {
    if (!item.photoName) return null;
    const states = { accepted: "đã được chấp nhận", refused: `bị từ chối: ${item.photoMessage}` };
    const text = `Ảnh biên bản (${item.photoName}): ${states[item.photoState] || "đang chờ gửi"}`;
    return el("p", { class: item.photoState === "refused" ? "field-error" : "note" }, text);
  }

  function itemNode(item) {
    const times = [`Lưu trên máy lúc ${clock(item.savedAt)}`];
    if (item.sentAt) times.push(`gửi lúc ${clock(item.sentAt)}`);
    if (item.acceptedAt) times.push(`được chấp nhận lúc ${clock(item.acceptedAt)}`);
    const node = el(
      "li",
      { class: `outbox-item is-${item.state}`, "data-key": item.key },
      el("h3", {}, item.title),
      el("p", { class: "outbox-state" },
        el("strong", { class: "badge", "data-state": item.state }, STATES[item.state]),
        ` — ${detail(item)}`),
      el("p", { class: "note" }, `${times.join(" · ")} · mã gửi ${item.key.slice(0, 8)}`),
      photoLine(item),
      item.note ? el("p", { class: "note", role: "status" }, item.note) : null,
    );
    const errors = Object.values(item.errors || {}).flat();
    if (item.state === "refused" && errors.length) {
      node.append(el("ul", { class: "field-errors" },
        ...[...new Set(errors)].map((m) => el("li", { class: "field-error" }, m))));
    }
    const actions = el("p", { class: "actions" });
    if (item.url) actions.append(el("a", { href: item.url }, "Xem biên bản đã lưu"));
    if ((item.state === "waiting" || item.state === "sent") && navigator.onLine) {
      actions.append(button("Gửi ngay", flush));
    }
    if (item.state === "refused" && !item.url && form && sameRecord(item)) {
      actions.append(button("Sửa lại", () => focusFirstError(item)));
    }
    if (item.state === "accepted") {
      actions.append(button("Xóa khỏi danh sách", () => forget(item.key).then(render)));
    }
    if (actions.childNodes.length) node.append(actions);
    return node;
  }

  let drawing = Promise.resolve();
  let drawn = "";
  function render() {
    drawing = drawing.then(draw, draw);
    return drawing;
  }
  async function draw() {
    const all = await items();
    const status = navigator.onLine
      ? "Đang có mạng: biên bản lưu trên máy được gửi ngay."
      : "Không có mạng: biên bản được lưu trên máy này và tự gửi khi có mạng trở lại.";
    if (net.textContent !== status) net.textContent = status; // announced once per change
    panel.classList.toggle("is-offline", !navigator.onLine);
    // Redrawn only when something changed, so that the keyboard focus stays where it is.
    const now = JSON.stringify([navigator.onLine, all.map(({ photo: _, ...rest }) => rest)]);
    if (drawn !== now) list.replaceChildren(...all.map(itemNode));
    drawn = now;
    panel.hidden = all.length === 0 && navigator.onLine;
    if (form) holdForm(all);
  }

  // -- the entry form: keep on the device instead of the review step when offline
  function holdForm(all) {
    const mine = all.filter(sameRecord);
    const held = mine.find((item) => item.state !== "refused" || item.url);
    form.hidden = Boolean(held);
    document.querySelector("[data-outbox-held]")?.toggleAttribute("hidden", !held);
    const refused = mine.find((item) => item.state === "refused" && !item.url);
    if (!held && refused && fixing?.key !== refused.key) loadBack(refused);
    const outboxPath = viaOutbox();
    const submit = form.querySelector('button[type="submit"]');
    submit.dataset.label ||= submit.textContent;
    submit.textContent = outboxPath ? "Lưu trên máy và gửi khi có mạng" : submit.dataset.label;
    form.querySelector("[data-offline-photo]")?.toggleAttribute("hidden", !outboxPath);
  }

  const viaOutbox = () =>
    !navigator.onLine || (photo && photo.files.length > 0) || Boolean(fixing);

  function loadBack(item) {
    fixing = item;
    for (const [name, value] of item.fields) {
      const input = form.elements.namedItem(name);
      if (input && "value" in input) input.value = value;
    }
    window.tallyChecks?.show(form, new Map(Object.entries(item.errors || {})));
  }

  function focusFirstError(item) {
    const name = Object.keys(item.errors || {}).find((n) => form.elements.namedItem(n));
    const field = name ? form.elements.namedItem(name) : form.querySelector("input, textarea");
    field.scrollIntoView({ block: "center" });
    field.focus();
  }

  function summarize(found) {
    document.getElementById("outbox-summary")?.remove();
    const links = [];
    for (const [name, messages] of found) {
      for (const message of messages) {
        const link = el("a", { href: `#f-${name}` }, message);
        link.addEventListener("click", (event) => {
          event.preventDefault();
          document.getElementById(`f-${name}`)?.focus();
        });
        links.push(el("li", {}, link));
      }
    }
    const box = el("div", { class: "error-summary", role: "alert", tabindex: "-1", id: "outbox-summary" },
      el("h2", {}, "Biên bản chưa được lưu trên máy"), el("ul", {}, ...links));
    form.before(box);
    box.focus();
  }

  function photoProblem() {
    const file = photo?.files[0];
    return file && (!PHOTO_TYPES.includes(file.type) || file.size > MAX_PHOTO) ? BAD_PHOTO : null;
  }

  function keep(event) {
    if (!viaOutbox()) return; // with a connection and no photo: the usual review step
    event.preventDefault();
    if (keeping) return; // a second Enter while the first is being kept
    keeping = true;
    keepRecord().finally(() => (keeping = false));
  }

  async function keepRecord() {
    const found = window.tallyChecks ? window.tallyChecks.check(form) : new Map();
    if (photoProblem()) found.set("photo", [photoProblem()]);
    window.tallyChecks?.show(form, found);
    if (found.size) {
      summarize(found);
      return;
    }
    document.getElementById("outbox-summary")?.remove();
    const fields = Array.from(new FormData(form)).filter(
      ([name, value]) => typeof value === "string" && name !== "csrf_token",
    );
    const file = photo?.files[0] || fixing?.photo || null;
    await save({
      key: newKey(), user, va: here.va, contest: here.contest, title: form.dataset.title,
      fields, state: "waiting", savedAt: Date.now(),
      photo: file, photoName: file ? file.name || fixing?.photoName : null,
    });
    if (fixing) await forget(fixing.key);
    fixing = null;
    if (photo) photo.value = "";
    await render();
    panel.scrollIntoView({ block: "start" });
    panel.querySelector("h2").focus();
    flush();
  }

  // -- keeping the entry page on the device
  async function keepPage() {
    if (!form || !("serviceWorker" in navigator) || !window.caches) return;
    if (!navigator.onLine) return; // a page shown offline came from the worker already
    try {
      await navigator.serviceWorker.register("/sw.js", { scope: "/tally/" });
      await navigator.serviceWorker.ready;
      const url = new URL(form.dataset.page, location.href).href;
      const cache = await caches.open(PAGES);
      if (navigator.onLine && !(await cache.match(url, { ignoreVary: true }))) {
        // The first visit came before the worker: keep this page now (later ones it keeps).
        const response = await fetch(url, { credentials: "same-origin", redirect: "manual" });
        if (response.ok && response.type === "basic") await cache.put(url, response);
      }
      panel.dataset.offlineReady = "1";
    } catch (error) {
      // Without the worker the page is not kept, but records typed on it still are.
    }
  }

  // Signing out: the kept pages go (they belong to this session); kept records stay.
  for (const out of document.querySelectorAll('form[action$="/logout"]')) {
    out.addEventListener("submit", (event) => {
      if (!window.caches) return;
      event.preventDefault();
      caches.delete(PAGES).finally(() => out.submit());
    });
  }

  if (form) {
    form.addEventListener("submit", keep);
    photo?.addEventListener("change", () => render());
  }
  window.addEventListener("online", () => render().then(flush));
  window.addEventListener("offline", () => render());
  setInterval(flush, RETRY_MS);
  render().then(flush);
  keepPage();
})();
