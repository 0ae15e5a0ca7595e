/*
 * Live checks of a count record while it is typed.
 *
 * The same hard rules, with the same Vietnamese messages, as election/domain/tally.py
 * (check_tally). The server stays the authority: nothing here blocks a submission, it
 * only shows problems next to their fields as early as possible.
 */
(() => {
  "use strict";

  const LABELS = {
    voters_on_roll: "Tổng số cử tri",
    voters_voted: "Số cử tri đã tham gia bỏ phiếu",
    ballots_issued: "Số phiếu phát ra",
    ballots_received: "Số phiếu thu vào",
    ballots_valid: "Số phiếu hợp lệ",
    ballots_invalid: "Số phiếu không hợp lệ",
  };
  const MAX_COUNT = 1000000;
  // Digits, optionally grouped by '.' in threes: "1480" or "1.480".
  const COUNT_TEXT = /^(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)$/;
  const NOT_A_NUMBER = "Chỉ nhập chữ số, có thể dùng dấu chấm ngăn cách hàng nghìn (ví dụ 1.480)";
  const TOO_BIG = "Phải là số nguyên từ 0 đến 1.000.000";

  const fmt = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  const lower = (text) => text.charAt(0).toLowerCase() + text.slice(1);

  function read(input) {
    const text = input.value.replace(/\s/g, "");
    if (text === "") return { empty: true };
    if (!COUNT_TEXT.test(text)) return { problem: NOT_A_NUMBER };
    const value = Number(text.replace(/\./g, ""));
    return value > MAX_COUNT ? { problem: TOO_BIG } : { value };
  }

  function findings(form) {
    const seats = Number(form.dataset.seats);
    const roll = form.dataset.roll === undefined ? null : Number(form.dataset.roll);
    const found = new Map();
    const add = (names, message) => {
      for (const name of names) {
        if (!found.has(name)) found.set(name, []);
        found.get(name).push(message);
      }
    };

    const v = {};
    for (const input of form.querySelectorAll("[data-count]")) {
      const result = read(input);
      if (result.problem) add([input.name], result.problem);
      v[input.name] = result.value; // undefined when empty or not a number
    }
    const known = (...names) => names.every((name) => v[name] !== undefined);
    const n = (name) => `${LABELS[name]} (${fmt(v[name])})`;

    // -- against the roll
    const comment = form.querySelector('[name="comment"]');
    if (roll !== null && known("voters_on_roll") && v.voters_on_roll !== roll) {
      if (!comment || !comment.value.trim()) {
        add(
          ["voters_on_roll", "comment"],
          `${n("voters_on_roll")} khác số cử tri trong danh sách cử tri (${fmt(roll)}); ` +
            "nếu đúng như vậy, hãy ghi rõ lý do vào phần ghi chú",
        );
      }
    }

    // -- within the record
    const notAbove = (name, limit) => {
      if (known(name, limit) && v[name] > v[limit]) {
        add([name, limit], `${n(name)} không được lớn hơn ${lower(n(limit))}`);
      }
    };
    notAbove("voters_voted", "voters_on_roll");
    notAbove("ballots_issued", "voters_on_roll");
    notAbove("ballots_received", "ballots_issued");
    if (
      known("ballots_valid", "ballots_invalid", "ballots_received") &&
      v.ballots_valid + v.ballots_invalid !== v.ballots_received
    ) {
      add(
        ["ballots_valid", "ballots_invalid", "ballots_received"],
        `${n("ballots_valid")} + ${lower(n("ballots_invalid"))} phải bằng ` +
          `${lower(n("ballots_received"))}`,
      );
    }

    // -- the candidates
    const valid = v.ballots_valid;
    const candidates = Array.from(form.querySelectorAll("[data-candidate]"));
    let total = 0;
    let complete = candidates.length > 0;
    for (const input of candidates) {
      const votes = v[input.name];
      if (votes === undefined) {
        complete = false;
        continue;
      }
      total += votes;
      if (valid !== undefined && votes > valid) {
        add(
          [input.name],
          `Số phiếu bầu cho ${input.dataset.candidate} (${fmt(votes)}) không được lớn hơn ` +
            `số phiếu hợp lệ (${fmt(valid)})`,
        );
      }
    }
    const output = form.querySelector("output[id$='votes-total']");
    if (output) output.textContent = complete ? fmt(total) : `${fmt(total)} (chưa nhập đủ)`;
    if (complete && valid !== undefined) {
      if (total < valid) {
        add(
          ["votes", "ballots_valid"],
          `Tổng số phiếu bầu cho các người ứng cử (${fmt(total)}) không được nhỏ hơn ` +
            `số phiếu hợp lệ (${fmt(valid)}): mỗi phiếu hợp lệ giữ lại ít nhất một tên`,
        );
      }
      const most = valid * seats;
      if (total > most) {
        add(
          ["votes", "ballots_valid"],
          `Tổng số phiếu bầu cho các người ứng cử (${fmt(total)}) không được lớn hơn ` +
            `số phiếu hợp lệ × số đại biểu được bầu (${fmt(valid)} × ${seats} = ${fmt(most)})`,
        );
      }
    }

    // -- the optional breakdown n1…n_seats
    const kept = Array.from(form.querySelectorAll("[data-kept]")).map((input) => v[input.name]);
    if (kept.length && kept.every((x) => x !== undefined)) {
      const sum = kept.reduce((a, b) => a + b, 0);
      const weighted = kept.reduce((a, b, i) => a + (i + 1) * b, 0);
      if (valid !== undefined && sum !== valid) {
        add(
          ["names_kept", "ballots_valid"],
          `Tổng số phiếu theo số tên được giữ lại (${fmt(sum)}) phải bằng ` +
            `số phiếu hợp lệ (${fmt(valid)})`,
        );
      }
      if (complete && weighted !== total) {
        add(
          ["names_kept", "votes"],
          `Số tên được giữ lại trên các phiếu hợp lệ (${fmt(weighted)}) phải bằng ` +
            `tổng số phiếu bầu cho các người ứng cử (${fmt(total)})`,
        );
      }
    }
    return found;
  }

  // Fields left empty that a record needs, with the server's messages (web/tallies.py):
  // checked when a record is kept on the device, where the server cannot say it yet.
  const REQUIRED = "Hãy nhập số (không có thì ghi 0)";
  const KEPT_PARTIAL = "Hãy nhập đủ các dòng phân loại, hoặc để trống cả bảng";

  function missing(form) {
    const found = new Map();
    const empty = (input) => input.value.trim() === "";
    for (const input of form.querySelectorAll("[data-count]")) {
      const optional = input.hasAttribute("data-kept") || input.name.startsWith("complaints_");
      if (!optional && empty(input)) found.set(input.name, [REQUIRED]);
    }
    const kept = Array.from(form.querySelectorAll("[data-kept]"));
    if (kept.some((input) => !empty(input))) {
      for (const input of kept.filter(empty)) found.set(input.name, [KEPT_PARTIAL]);
    }
    return found;
  }

  // Every problem of the record as typed: empty fields first, then the rules.
  function check(form) {
    const found = missing(form);
    for (const [name, messages] of findings(form)) {
      found.set(name, [...(found.get(name) || []), ...messages]);
    }
    return found;
  }

  // What is wrong with one field's own value: said under each such field.
  const PER_FIELD = new Set([NOT_A_NUMBER, TOO_BIG, REQUIRED, KEPT_PARTIAL]);

  // Each message once (a rule names several fields): under the lowest of its fields on the
  // form, as the server places it (web/tallies.py placed); the rule's other fields are marked
  // and described by that message. keep: add to the server's messages (on load) instead of
  // replacing them (while typing).
  function show(form, found, keep = false) {
    const boxes = Array.from(form.querySelectorAll(".msgs[data-for]"));
    const byId = new Map(boxes.map((box) => [box.id, box]));
    const where = new Map(); // message → the boxes of its fields
    const put = (message, box) => {
      if (!where.has(message)) where.set(message, []);
      if (!where.get(message).includes(box)) where.get(message).push(box);
    };
    for (const box of boxes) {
      const shown = keep ? Array.from(box.children, (p) => p.textContent) : [];
      for (const message of [...shown, ...(found.get(box.dataset.for) || [])]) {
        put(PER_FIELD.has(message) ? `${box.id}\0${message}` : message, box);
      }
    }
    if (keep) {
      for (const box of boxes.filter((b) => byId.has(b.dataset.marked))) {
        for (const p of byId.get(box.dataset.marked).children) {
          if (!PER_FIELD.has(p.textContent)) put(p.textContent, box);
        }
      }
    }
    const text = new Map(boxes.map((box) => [box, []]));
    const pointer = new Map();
    for (const [message, list] of where) {
      list.sort((a, b) => boxes.indexOf(a) - boxes.indexOf(b));
      const last = list[list.length - 1];
      text.get(last).push(message.split("\0").pop());
      for (const box of list) if (box !== last && !pointer.has(box)) pointer.set(box, last);
    }
    for (const box of boxes) {
      const messages = text.get(box);
      const target = pointer.get(box);
      box.replaceChildren(
        ...messages.map((message) => {
          const p = document.createElement("p");
          p.className = "field-error";
          p.textContent = message;
          return p;
        }),
      );
      if (target) box.dataset.marked = target.id;
      else delete box.dataset.marked;
      const bad = messages.length > 0 || Boolean(target);
      const field = box.closest(".field");
      if (field) field.classList.toggle("has-error", bad);
      const input = form.querySelector(`[name="${CSS.escape(box.dataset.for)}"]`);
      if (input) {
        if (bad) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
        input.setAttribute("aria-describedby", target ? `${box.id} ${target.id}` : box.id);
      }
    }
  }

  // The outbox (outbox.js) checks a record it keeps on the device with the same rules.
  window.tallyChecks = Object.freeze({ check, show });

  // A count field with a figure in it (the roll, prefilled) selects it on focus, so typing
  // replaces it ("1214" over "1.214", never "12141.214"); the mouseup or tap that focused the
  // field would put the caret back, so that one is held off.
  function selectOnFocus(input) {
    let typed = false;
    let viaPointer = false; // this press is the one that gives the field the focus
    input.addEventListener("mousedown", () => {
      viaPointer = document.activeElement !== input;
    });
    input.addEventListener("focus", () => {
      typed = false;
      if (!input.value) return;
      input.select();
      // Some touch browsers put the caret back after the focus: select again once settled,
      // unless the user has typed already.
      requestAnimationFrame(() => {
        if (!typed && document.activeElement === input) input.setSelectionRange(0, input.value.length);
      });
    });
    input.addEventListener("mouseup", (event) => {
      if (viaPointer && input.value) event.preventDefault();
      viaPointer = false;
    });
    input.addEventListener("keydown", () => {
      typed = true;
    });
  }

  // Once left, a count reads as Vietnamese write it: 1180 → "1.180" (the server reads both).
  function formatOnBlur(input) {
    input.addEventListener("blur", () => {
      const result = read(input);
      if (result.value !== undefined && input.value !== fmt(result.value)) {
        input.value = fmt(result.value);
      }
    });
  }

  for (const form of document.querySelectorAll("form[data-tally]")) {
    // On load the live checks add to the server's messages (which may stop at a number it
    // could not read); once the user changes something they take over every field.
    form.addEventListener("input", () => show(form, findings(form)));
    show(form, findings(form), true);
    for (const input of form.querySelectorAll("[data-count]")) {
      selectOnFocus(input);
      formatOnBlur(input);
    }
  }

  // Forms of counts without a record's rules (the turnout report): the same typing aids.
  for (const form of document.querySelectorAll("form[data-counts]")) {
    for (const input of form.querySelectorAll("[data-count]")) {
      selectOnFocus(input);
      formatOnBlur(input);
    }
  }

  // A second click on a sending form would only send the same thing again: the server stores
  // it once (idempotency key, expected version), but the user would wait twice.
  for (const form of document.querySelectorAll("form[data-once]")) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sending) {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "1";
      form.setAttribute("aria-busy", "true");
    });
  }
  // Coming back with the browser's Back button shows the page as it was: allow sending again.
  window.addEventListener("pageshow", () => {
    for (const form of document.querySelectorAll("form[data-once]")) {
      delete form.dataset.sending;
      form.removeAttribute("aria-busy");
    }
  });

  // A link of the error summary puts the cursor in its field, not just the field in view.
  for (const link of document.querySelectorAll(".error-summary a[href^='#']")) {
    link.addEventListener("click", (event) => {
      const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) return;
      event.preventDefault();
      const field = target.matches("fieldset") ? target.querySelector("input, textarea") : target;
      target.scrollIntoView({ block: "center" });
      (field || target).focus();
    });
  }

  const summary = document.getElementById("error-summary") || document.getElementById("action-message");
  if (summary) {
    if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
})();
