/*
 * The board's results pages: sortable tables and live figures.
 *
 * A page marked data-live="URL" polls its JSON twin (routes in election/web/board.py) every
 * 3 seconds while the tab is visible and rewrites in place every element marked data-field,
 * data-progress, a drill-down row (tr[data-code]) or a candidate row (tr[data-cand]). The
 * server formats every number (vi-VN); this script only copies texts, never builds HTML
 * from data, so names are never interpreted as markup.
 */
(() => {
  "use strict";

  const PERIOD_MS = 3000;

  // ---- sorting -----------------------------------------------------------------------

  const collator = new Intl.Collator("vi", { numeric: true, sensitivity: "base" });

  function cellValue(row, index, type) {
    const cell = row.cells[index];
    const raw = cell ? (cell.dataset.sort ?? cell.textContent.trim()) : "";
    if (type !== "number") return raw;
    const n = Number.parseFloat(raw);
    return Number.isNaN(n) ? -Infinity : n;
  }

  function sortTable(table, th, direction) {
    const index = th.cellIndex;
    const type = th.dataset.type || "text";
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const sign = direction === "ascending" ? 1 : -1;
    rows.sort((a, b) => {
      const x = cellValue(a, index, type);
      const y = cellValue(b, index, type);
      const order = type === "number" ? x - y : collator.compare(x, y);
      return sign * order;
    });
    for (const row of rows) body.appendChild(row);
    for (const other of table.tHead.rows[0].cells) {
      if (other !== th) other.removeAttribute("aria-sort");
    }
    th.setAttribute("aria-sort", direction);
  }

  function resort(table) {
    const th = table.querySelector("th[aria-sort]");
    if (th) sortTable(table, th, th.getAttribute("aria-sort"));
  }

  for (const table of document.querySelectorAll("table[data-sortable]")) {
    for (const button of table.tHead.querySelectorAll("button.sort")) {
      button.addEventListener("click", () => {
        const th = button.closest("th");
        const now = th.getAttribute("aria-sort");
        // Numbers start with the largest, names with A.
        const first = th.dataset.type === "number" ? "descending" : "ascending";
        const next = now ? (now === "ascending" ? "descending" : "ascending") : first;
        sortTable(table, th, next);
      });
    }
  }

  // ---- filtering (the units list) ----------------------------------------------------------

  for (const input of document.querySelectorAll("input[data-filter]")) {
    const table = document.querySelector(input.dataset.filter);
    const count = document.getElementById("units-count");
    input.addEventListener("input", () => {
      const wanted = input.value.trim().toLocaleLowerCase("vi");
      let shown = 0;
      for (const row of table.tBodies[0].rows) {
        const match = row.textContent.toLocaleLowerCase("vi").includes(wanted);
        row.hidden = !match;
        if (match) shown += 1;
      }
      if (count) count.textContent = `${shown.toLocaleString("vi-VN")} đơn vị bầu cử.`;
    });
  }

  // ---- live figures ------------------------------------------------------------------

  const root = document.querySelector("[data-live]");
  if (!root) return;
  const status = root.querySelector("[data-live-status]");

  function setText(el, text) {
    if (el.textContent === text) return;
    el.textContent = text;
    flash(el);
  }

  function flash(el) {
    el.classList.remove("changed");
    void el.offsetWidth; // restart the highlight when it changes twice in a row
    el.classList.add("changed");
  }

  function applyFigures(scope, figures) {
    for (const el of scope.querySelectorAll("[data-field]")) {
      if (el.closest("tr") && !scope.matches("tr")) continue; // rows are updated on their own
      const figure = figures[el.dataset.field];
      if (!figure) continue;
      setText(el, figure.text);
      if ("value" in figure) el.dataset.sort = figure.value ?? -1;
    }
    for (const bar of scope.querySelectorAll("progress[data-progress]")) {
      const figure = figures[bar.dataset.progress];
      if (!figure) continue;
      bar.max = figure.max || 1;
      bar.value = figure.value;
      bar.textContent = figure.text;
    }
  }

  function applyShare(cell, share) {
    const text = cell.querySelector(".share-text");
    if (text) setText(text, share.text);
    const bar = cell.querySelector(".bar > span");
    if (bar) bar.className = `w-${share.bar}`;
    cell.dataset.sort = share.value ?? -1;
  }

  function applyStatus(row, child) {
    const cell = row.querySelector("[data-status]");
    if (!cell) return;
    row.classList.toggle("row-missing", child.status === null);
    const current = cell.firstElementChild;
    const wantLink = Boolean(child.record_href);
    if (current && (current.tagName === "A") === wantLink && current.textContent === child.status_text) {
      if (!wantLink || current.getAttribute("href") === child.record_href) return;
    }
    const el = document.createElement(wantLink ? "a" : "span");
    if (wantLink) el.href = child.record_href;
    else el.className = "not-reported";
    el.textContent = child.status_text;
    cell.replaceChildren(el);
    cell.dataset.sort = child.status_text;
    flash(cell);
  }

  function applyMissing(children) {
    const box = root.querySelector("[data-missing]");
    if (!box) return;
    const missing = children.filter((c) => c.status === null);
    setText(box.querySelector("[data-missing-count]"), String(missing.length));
    const list = box.querySelector("[data-missing-list]");
    const items = missing.map((c) => {
      const li = document.createElement("li");
      li.textContent = `${c.name} (${c.code})`;
      return li;
    });
    const same =
      items.length === list.children.length &&
      items.every((li, i) => li.textContent === list.children[i].textContent);
    if (!same) list.replaceChildren(...items);
    box.querySelector("[data-missing-none]").hidden = missing.length > 0;
  }

  // items: [{text, kind?}]; a list is rebuilt only when its texts change.
  function applyList(list, items) {
    if (!list) return;
    const now = Array.from(list.children, (li) => li.textContent);
    if (now.length === items.length && now.every((t, i) => t === items[i].text)) return;
    list.replaceChildren(
      ...items.map((item) => {
        const li = document.createElement("li");
        if (item.kind) li.className = `flag-${item.kind}`;
        li.textContent = item.text;
        return li;
      }),
    );
    flash(list);
  }

  function applyCandidates(candidates, unitPage) {
    let unknown = false;
    for (const c of candidates) {
      const row = root.querySelector(`tr[data-cand="${CSS.escape(c.code)}"]`);
      if (!row) {
        unknown = true;
        continue;
      }
      setText(row.querySelector('[data-field="votes"]'), c.votes.text);
      row.querySelector('[data-field="votes"]').dataset.sort = c.votes.value;
      applyShare(row.querySelector('[data-field="pct_of_valid"]'), c.pct_of_valid);
      if (!unitPage) continue;
      setText(row.querySelector('[data-field="qualified"]'), c.qualified ? "Đạt" : "Không đạt");
      const rank = row.querySelector('[data-field="rank"]');
      setText(rank, String(c.rank));
      rank.dataset.sort = c.rank;
      const mark = row.querySelector('[data-field="elected"]');
      // While the round is incomplete nobody is elected: those within the seats only lead.
      const text = c.elected ? "✔ Trúng cử" : c.undecided ? "Chờ Ủy ban bầu cử quyết định"
        : c.leading ? "Dẫn đầu" : "—";
      if (mark.textContent.trim() !== text) {
        const el = document.createElement(c.elected || c.undecided ? "strong" : "span");
        el.className = c.elected ? "mark-elected" : c.undecided ? "mark-undecided"
          : c.leading ? "mark-leading" : "";
        el.textContent = text;
        mark.replaceChildren(el);
        flash(mark);
      }
      row.classList.toggle("elected", c.elected);
    }
    return unknown;
  }

  function applyArea(data) {
    applyFigures(root.querySelector("[data-figures]"), data.figures);
    for (const child of data.children) {
      const row = root.querySelector(`tr[data-code="${CSS.escape(child.code)}"]`);
      if (!row) continue;
      applyFigures(row, child.figures);
      applyStatus(row, child);
      // Returned records still counted here are marked on their row (board.css).
      const returned = Boolean(child.figures.returned?.value) && !row.classList.contains("row-missing");
      row.classList.toggle("row-returned", returned);
    }
    applyMissing(data.children);
    const unknown = applyCandidates(data.candidates, false);
    // A unit reporting for the first time in this area adds a table: draw the page anew.
    if (unknown && root.querySelector("[data-candidates], [data-candidates-empty]")) {
      window.location.reload();
    }
    return { text: data.updated_text, at: data.updated_at };
  }

  function applyUnit(data) {
    if (String(data.rounds_count) !== root.dataset.rounds) {
      window.location.reload(); // a new round: the page's sections change
      return {};
    }
    const round = root.querySelector('[data-round="current"]');
    const current = data.current;
    applyFigures(round, current.figures);
    setText(round.querySelector("[data-complete]"), current.complete ? "Đã đủ" : "Chưa đủ");
    applyCandidates(current.candidates, true);
    applyList(round.querySelector("[data-flags]"), current.flags);
    applyList(round.querySelector("[data-notes]"), current.notes.map((text) => ({ text })));
    const none = round.querySelector("[data-notes-none]");
    none.hidden = current.notes.length > 0;
    none.textContent = current.no_notes;
    round.querySelector("[data-outcome]").classList.toggle("alert", current.alert);
    return { text: current.updated_text, at: current.updated_at };
  }

  let timer = null;
  let busy = false;

  async function poll() {
    if (busy || document.visibilityState === "hidden") return;
    busy = true;
    try {
      const response = await fetch(root.dataset.live, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
      const json = (response.headers.get("Content-Type") || "").includes("application/json");
      if (response.redirected) {
        // The sign-in page answered: the session has ended.
        say("Phiên đăng nhập đã hết hạn: hãy tải lại trang để đăng nhập lại.");
        stop();
        return;
      }
      if (!response.ok || !json) {
        say(`Không cập nhật được số liệu (lỗi ${response.status}); sẽ thử lại.`);
        return;
      }
      const data = await response.json();
      const updated = root.dataset.kind === "unit" ? applyUnit(data) : applyArea(data);
      const time = root.querySelector("[data-updated]");
      if (time && updated.text) {
        setText(time, updated.text);
        if (updated.at) time.dateTime = updated.at;
      }
      for (const table of root.querySelectorAll("table[data-sortable]")) resort(table);
      say("");
    } catch {
      say("Mất kết nối tới máy chủ; sẽ thử lại sau ít giây.");
    } finally {
      busy = false;
    }
  }

  function say(text) {
    if (status && status.textContent !== text) status.textContent = text;
  }

  function start() {
    if (timer === null) timer = window.setInterval(poll, PERIOD_MS);
  }

  function stop() {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      stop();
    } else {
      poll();
      start();
    }
  });
  if (document.visibilityState !== "hidden") start();
})();
