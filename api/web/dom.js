// Small DOM helpers: elements are built with textContent only (never innerHTML), so nothing the API returns
// can be interpreted as markup.

import { locale, t, tv } from "./i18n.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function append(node, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(node, c);
  } else if (child instanceof Node) {
    node.appendChild(child);
  } else {
    node.appendChild(document.createTextNode(String(child)));
  }
}

function setAttributes(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      node.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    } else if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
}

/** h("a", {href: "/x"}, "text", [children...]) */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  setAttributes(node, attrs);
  append(node, children);
  return node;
}

/** The same for SVG elements. */
export function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttributes(node, attrs);
  append(node, children);
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// ─────────────────────────────── formatting ───────────────────────────────

export function short(value, head = 6, tail = 4) {
  if (!value) return "";
  const text = String(value);
  return text.length <= head + tail + 1 ? text : `${text.slice(0, head)}…${text.slice(-tail)}`;
}

export function fmtNumber(value) {
  if (value === null || value === undefined) return "";
  return new Intl.NumberFormat(locale()).format(value);
}

export function fmtBytes(bytes) {
  if (bytes === null || bytes === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 ? String(value) : value.toFixed(value < 10 ? 2 : 1);
  return `${shown} ${units[unit]} (${fmtNumber(bytes)} B)`;
}

const PARTS = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
                second: "2-digit", hourCycle: "h23", timeZoneName: "short" };

/** YYYY-MM-DD HH:MM:SS and the zone, in the reader's time zone (the same shape in both languages). */
export function timeText(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", PARTS).formatToParts(date)
    .map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName || ""}`.trim();
}

/** A time from the API (ISO 8601, UTC) in the reader's time zone; the exact UTC time in its tooltip. */
export function time(iso) {
  if (!iso) return h("span", { class: "muted" }, "—");
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h("span", iso);
  return h("time", { datetime: iso, title: iso }, timeText(iso));
}

/** A time from a unix timestamp in seconds. */
export function unixTime(seconds) {
  if (!seconds) return null;
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}

// ─────────────────────────────── values that link ───────────────────────────────

let participantNames = new Map();

export function setParticipants(list) {
  participantNames = new Map(list.map((p) => [p.account.toLowerCase(), p]));
}

export function participant(address) {
  return address ? participantNames.get(String(address).toLowerCase()) : undefined;
}

// Names the API gave beside addresses (`names` of an asset or history answer: a participant's registered name or
// the holder's name from the application), kept for the rest of the visit.
const knownNames = new Map();

export function addNames(names) {
  for (const [address, entry] of Object.entries(names || {})) {
    if (entry && entry.name) knownNames.set(address.toLowerCase(), entry);
  }
}

/** The name shown beside an address: the participant's registered name, else the application's name for it. */
export function partyName(address) {
  if (!address) return undefined;
  const known = participant(address);
  if (known) return known.name;
  const named = knownNames.get(String(address).toLowerCase());
  return named ? named.name : undefined;
}

/** A long value shown short, with the whole value in its tooltip and in print. */
export function mono(value, { head = 8, tail = 6, full = false } = {}) {
  if (!value) return h("span", { class: "muted" }, "—");
  return h("code", { class: full ? "mono full" : "mono", title: value, "data-full": value },
    full ? value : short(value, head, tail));
}

/** A link to a party's page, with its name when the registry knows one (partyName). */
export function partyLink(address, { full = false } = {}) {
  if (!address) return h("span", { class: "muted" }, "—");
  const name = partyName(address);
  // A name the application gives (not a participant's registered one) is the applicant's own statement: marked so.
  const declared = name && !participant(address);
  return h("a", { href: `/parties/${address}`, class: "party", title: declared ? `${address} · ${t("name_declared")}` : address },
    name ? h("span", { class: declared ? "party-name declared" : "party-name" }, name) : null,
    h("code", { class: full ? "mono full" : "mono", "data-full": address }, full ? address : short(address, 6, 4)));
}

export function assetLink(assetId, name) {
  if (!assetId) return h("span", { class: "muted" }, "—");
  return h("a", { href: `/assets/${assetId}`, class: "asset-link", title: assetId },
    name ? h("span", name) : null, " ", h("code", { class: "mono" }, short(assetId, 8, 6)));
}

/** A CID, linked to the stored document when the content store has it. */
export function cidLink(cid, path = "/v1/content/") {
  if (!cid) return h("span", { class: "muted" }, "—");
  return h("a", { href: `${path}${cid}`, class: "cid", title: cid, target: "_blank", rel: "noopener" },
    h("code", { class: "mono" }, short(cid, 8, 6)));
}

export function badge(text, kind = "neutral", title) {
  return h("span", { class: ["badge", `badge-${kind}`], title }, text);
}

export function validityBadge(valid, reason, group = "right_status") {
  return valid ? badge(tv("right_status", "valid"), "ok") : badge(tv(group, reason || "") || reason || t("no"), "bad");
}

export function yesNo(value) {
  return value ? t("yes") : t("no");
}

/** A definition list from [label, value] pairs; pairs whose value is undefined are left out. */
export function facts(pairs, className = "facts") {
  const dl = h("dl", { class: className });
  for (const [label, value] of pairs) {
    if (value === undefined) continue;
    dl.append(h("dt", label), h("dd", value === null || value === "" ? h("span", { class: "muted" }, "—") : value));
  }
  return dl;
}

/** A table with a header row; `rows` are arrays of cells (strings or nodes). */
export function table(headers, rows, { caption, className = "table" } = {}) {
  return h("div", { class: "table-wrap" },
    h("table", { class: className },
      caption ? h("caption", caption) : null,
      h("thead", h("tr", headers.map((head) => h("th", { scope: "col" }, head)))),
      h("tbody", rows.map((row) => h("tr", row.map((cell) => h("td", cell)))))));
}

/** Gives every cell of the tables under `root` its column's header as `data-label`: on a phone a table is shown
 * as one block per row, each value under its label (style.css), so no table is wider than the screen. */
export function labelColumns(root) {
  for (const tableElement of root.querySelectorAll("table.table")) {
    const labels = [...tableElement.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const row of tableElement.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, index) => {
        if (labels[index] && !cell.dataset.label) cell.dataset.label = labels[index];
      });
    }
  }
}

export function section(title, ...children) {
  const id = `s-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), children);
}

/** A button that copies `value` to the clipboard. */
export function copyButton(value) {
  const button = h("button", { type: "button", class: "copy no-print", title: t("copy") }, t("copy"));
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(value);
      button.textContent = t("copied");
      setTimeout(() => { button.textContent = t("copy"); }, 1500);
    } catch (_) {
      // clipboard not available (plain http); the value is selectable anyway
    }
  });
  return button;
}
