// The explorer: a single-page app over the registry's JSON API (/v1/...). No framework, no build step,
// nothing from a CDN. Pages: search, asset (overview, history, lineage), party, verify, a certificate's
// verification (/verify/NUMBER, which its QR code opens), status, recognitions, trades, public-data
// authorisations.

import {
  addNames, assetLink, badge, cidLink, clear, copyButton, facts, fmtBytes, fmtNumber, h, labelColumns, mono, partyLink,
  partyName, section, setParticipants, short, table, time, timeText, unixTime, validityBadge, yesNo,
} from "./dom.js";
import { LANGUAGES, lang, setLang, setVocabulary, t, termLabel, termOf, terms, tv } from "./i18n.js";
import { render as renderLineage } from "./lineage.js";
import { hashFile } from "./sha256.js";

export const HISTORY_PAGE_SIZE = 100;
/** Grants of one right shown at a time; the rest on request (an asset may have thousands). */
const TREE_CHUNK = 50;
const PARTY_PAGE_SIZE = 100;
const SEARCH_PAGE_SIZE = 20;
const HOME_PAGE_SIZE = 10;
const ZERO_HASH = `0x${"0".repeat(64)}`;

const main = document.getElementById("main");
let renderSeq = 0;
let refreshTimer = null;
let chainInfo = null;
// The verify page keeps its last answer, so switching language or coming back does not lose it.
const verifyState = { file: null, sha256: null, method: null, progress: null, result: null, error: null, input: "" };

// ─────────────────────────────── the API ───────────────────────────────

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Accept: "application/json", ...(options.headers || {}) },
  });
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (_) {
    body = { message: text.slice(0, 300) };
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** Asks the API for the names of the accounts not named yet (GET /v1/names: a participant's, else the name an
 * asset's application gives it), so that partyLink shows them; a failure leaves the addresses as they are. */
async function loadNames(addresses) {
  const unknown = [...new Set(addresses.filter((a) => isAddress(a) && !partyName(a)))];
  const calls = [];
  for (let i = 0; i < unknown.length; i += 100) {
    const search = new URLSearchParams(unknown.slice(i, i + 100).map((a) => ["address", a]));
    calls.push(api(`/v1/names?${search}`).then(addNames).catch(() => null));
  }
  await Promise.all(calls);
}

function notFoundIsNull(error) {
  if (error instanceof ApiError && error.status === 404) return null;
  throw error;
}

/** POST /v1/verify with a fingerprint only: {sha256} and/or {cid}. Never the file. */
function verifyFingerprint(fingerprint) {
  return api("/v1/verify", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(fingerprint),
  });
}

const enc = encodeURIComponent;

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

// ─────────────────────────────── values ───────────────────────────────

function hexToText(hex) {
  const bytes = (hex.replace(/^0x/, "").match(/../g) || []).map((b) => parseInt(b, 16)).filter((b) => b !== 0);
  return bytes.every((b) => b >= 0x20 && b < 0x7f) ? String.fromCharCode(...bytes) : hex;
}

function money(value, currency) {
  if (value === null || value === undefined) return "";
  if (!currency) return fmtNumber(value);
  try {
    const format = new Intl.NumberFormat(lang() === "zh" ? "zh-CN" : "en-GB", { style: "currency", currency });
    const digits = format.resolvedOptions().maximumFractionDigits;
    return format.format(Number(value) / 10 ** digits);
  } catch (_) {
    return `${fmtNumber(value)} ${currency}`;
  }
}

function isAddress(value) {
  return typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value);
}

/** The record's own status (active or cancelled); never green: an active record may be frozen or unreviewed,
 * its legal status (legalBadges) says what it is worth. */
function statusBadge(status) {
  return badge(tv("asset_status", status), status === "active" ? "neutral" : "bad");
}

// The colour of each remark (备注): a freeze or an upheld objection stops the rights, a pledge or a pending objection
// limits them.
const REMARK_KIND = { frozen: "bad", disputed: "bad", pledged: "warn", objection_pending: "warn" };

/** The colour of a legal status: green only for a certificate in force with no remark; never for a lapsed or
 * cancelled registration or a frozen asset. */
function legalKind(legal) {
  if (!legal) return "neutral";
  if (legal.status === "lapsed" || legal.status === "cancelled") return "bad";
  const kinds = legal.remarks.map((r) => REMARK_KIND[r.type] || "warn");
  if (kinds.includes("bad")) return "bad";
  if (kinds.length) return "warn";
  return legal.status === "certified" ? "ok" : "neutral";
}

function legalText(legal) {
  return lang() === "zh" ? legal.text_zh : legal.text_en;
}

/** The asset's one legal status (GET /v1/assets and the asset: legal_status) as badges: the status, coloured by
 * legalKind, then one badge per remark; the record's status when the answer has no legal status. */
function legalBadges(legal, fallback) {
  if (!legal) return fallback ? statusBadge(fallback) : null;
  const stage = legal.status === "in_procedure" && legal.stage ? ` · ${tv("stage", legal.stage)}` : "";
  return h("span", { class: "legal-status", "data-legal-status": legal.status,
                     "data-remarks": legal.remarks.map((r) => r.type).join(" "), title: legalText(legal) },
    badge(tv("legal_status", legal.status) + stage, legalKind(legal)),
    legal.remarks.map((r) => h("span", " ", badge(tv("remark", r.type), REMARK_KIND[r.type] || "warn"))));
}

/** A reason code as the API labels it ({code, key, zh, en}): its label, or its number if the vocabulary lacks it. */
function reasonText(reason, code) {
  if (reason) return reason[lang()] || reason.en || String(reason.code);
  return code === null || code === undefined ? "" : String(code);
}

function classificationBadge(value) {
  return badge(tv("classification", value), value === "general" ? "neutral" : "warn");
}

function rightLabel(index, kind) {
  if (index === null || index === undefined) return h("span", { class: "muted" }, "—");
  return h("span", { class: "right-ref" }, `#${index}`, kind ? h("span", { class: "muted" }, ` ${tv("kind_short", kind)}`) : null);
}

function txEvidence(txHash, blockNumber, extra = []) {
  return h("details", { class: "evidence" },
    h("summary", h("span", `${t("block")} ${fmtNumber(blockNumber)}`), " · ", h("code", { class: "mono" }, short(txHash, 8, 6))),
    facts([[t("tx_hash"), h("span", h("code", { class: "mono full" }, txHash), copyButton(txHash))],
           [t("block"), fmtNumber(blockNumber)], ...extra], "facts compact"));
}

// ─────────────────────────────── routing ───────────────────────────────

const ROUTES = [
  [/^\/$/, () => pageSearch],
  [/^\/search$/, () => pageSearch],
  [/^\/assets\/([^/]+)$/, (m) => (ctx) => pageAsset(ctx, decodeURIComponent(m[1]), "overview")],
  [/^\/assets\/([^/]+)\/history$/, (m) => (ctx) => pageAsset(ctx, decodeURIComponent(m[1]), "history")],
  [/^\/assets\/([^/]+)\/lineage$/, (m) => (ctx) => pageAsset(ctx, decodeURIComponent(m[1]), "lineage")],
  [/^\/parties\/([^/]+)$/, (m) => (ctx) => pageParty(ctx, decodeURIComponent(m[1]))],
  [/^\/verify$/, () => pageVerify],
  [/^\/verify\/([^/]+)$/, (m) => (ctx) => pageCertificate(ctx, decodeURIComponent(m[1]))],
  [/^\/status$/, () => pageStatus],
  [/^\/recognitions$/, () => pageRecognitions],
  [/^\/authorisations$/, () => pageAuthorisations],
  [/^\/authorisations\/([^/]+)$/, (m) => (ctx) => pageAuthorisation(ctx, decodeURIComponent(m[1]))],
  [/^\/trades$/, () => pageTrades],
  [/^\/trades\/([^/]+)\/([^/]+)$/, (m) => (ctx) => pageTrade(ctx, decodeURIComponent(m[1]), decodeURIComponent(m[2]))],
];

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  route({ scroll: !replace });
}

function setTitle(text) {
  document.title = text ? `${text} · ${t("app_name")}` : t("app_name");
}

async function route({ scroll = false, focus = true } = {}) {
  const seq = ++renderSeq;
  clearInterval(refreshTimer);
  refreshTimer = null;
  const url = new URL(location.href);
  const path = url.pathname.replace(/\/+$/, "") || "/";
  let page = pageNotFound;
  for (const [pattern, make] of ROUTES) {
    const match = path.match(pattern);
    if (match) {
      page = make(match);
      break;
    }
  }
  markNav(path);
  const ctx = { query: url.searchParams, stale: () => seq !== renderSeq, rerender: () => route({ focus: false }) };
  main.setAttribute("aria-busy", "true");
  const loading = setTimeout(() => {
    if (!ctx.stale()) clear(main).append(h("p", { class: "loading", role: "status" }, t("loading")));
  }, 150);
  let content;
  try {
    content = await page(ctx);
  } catch (error) {
    content = errorPanel(error);
  } finally {
    clearTimeout(loading);
  }
  if (ctx.stale() || content === null) return;
  clear(main).append(...[content].flat().filter(Boolean));
  labelColumns(main);
  main.setAttribute("aria-busy", "false");
  main.dataset.rendered = String(seq); // for tests and tools: which render is on screen
  if (scroll) window.scrollTo(0, 0);
  if (focus) {
    const heading = main.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }
}

function errorPanel(error) {
  console.error(error);
  setTitle(t("error"));
  return h("div", { class: "card error", role: "alert" },
    h("h1", t("error")),
    h("p", error.message || String(error)),
    h("button", { type: "button", onclick: () => route() }, t("retry")));
}

function pageNotFound() {
  setTitle(t("not_found_title"));
  return h("div", { class: "card" }, h("h1", t("not_found_title")), h("p", t("not_found_text")),
    h("p", h("a", { href: "/" }, t("back_home"))));
}

// Same-origin links go through the router; the API, static files and new windows do not.
document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  const link = event.target.closest("a");
  if (!link) return;
  const href = link.getAttribute("href");
  if (!href || link.getAttribute("target") || link.hasAttribute("download")) return;
  const url = new URL(href, location.href);
  if (url.origin !== location.origin || /^\/(v1|static|docs|openapi\.json|redoc)(\/|$)/.test(url.pathname)) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});
window.addEventListener("popstate", () => route());

// ─────────────────────────────── chrome: header, navigation, footer ───────────────────────────────

function renderChrome() {
  document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
  const header = clear(document.getElementById("site-header"));
  const other = lang() === "zh" ? "en" : "zh";
  header.append(
    h("a", { class: "skip", href: "#main" }, t("skip_to_content")),
    h("div", { class: "brand" },
      h("a", { href: "/", class: "brand-name" }, t("app_name")),
      h("span", { class: "tagline" }, t("app_tagline"))),
    h("nav", { "aria-label": t("nav_label"), class: "site-nav" },
      h("a", { href: "/", "data-nav": "search" }, t("nav_search")),
      h("a", { href: "/verify", "data-nav": "verify" }, t("nav_verify")),
      h("a", { href: "/recognitions", "data-nav": "recognitions" }, t("nav_recognitions")),
      h("a", { href: "/trades", "data-nav": "trades" }, t("nav_trades")),
      h("a", { href: "/authorisations", "data-nav": "authorisations" }, t("nav_authorisations")),
      h("a", { href: "/status", "data-nav": "status" }, t("nav_status")),
      h("a", { href: "/docs", target: "_blank", rel: "noopener" }, t("nav_api"))),
    h("button", {
      type: "button", id: "lang-switch", class: "lang-switch", lang: other === "zh" ? "zh-CN" : "en",
      "aria-label": t("switch_language_label"), "data-lang": other,
      onclick: () => {
        setLang(other);
        renderChrome();
        route({ focus: false });
      },
    }, LANGUAGES[other]));
  const footer = clear(document.getElementById("site-footer"));
  footer.append(h("p", t("footer_note")));
  if (chainInfo) {
    footer.append(h("p", { class: "muted" },
      t("footer_chain", { chain: chainInfo.chain_id, block: fmtNumber(chainInfo.indexed_block ?? 0) })));
  }
  markNav(location.pathname);
}

function markNav(path) {
  const section = path.startsWith("/verify") ? "verify" : path.startsWith("/status") ? "status"
    : path.startsWith("/recognitions") ? "recognitions"
    : path.startsWith("/trades") ? "trades"
    : path.startsWith("/authorisations") ? "authorisations"
    : path === "/" || path.startsWith("/search") ? "search" : null;
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

// ─────────────────────────────── search ───────────────────────────────

export function classify(text) {
  const q = text.trim();
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(q)) return "hash"; // an asset id or a SHA-256 fingerprint
  if (/^0x[0-9a-fA-F]{40}$/.test(q)) return "address";
  if (/^Qm[1-9A-HJ-NP-Za-km-z]{44}$/.test(q) || /^b[a-z2-7]{58,}$/.test(q)) return "cid";
  if (/^SJ\d{2}[0-9A-Za-z]\d{10}$/i.test(q) || /^\d{17}$/.test(q)) return "certificate"; // national; data IP
  return "text";
}

function searchForm(value = "") {
  const input = h("input", {
    type: "search", id: "search-input", name: "q", value, placeholder: t("search_placeholder"),
    "aria-describedby": "search-hint", autocomplete: "off", spellcheck: "false",
  });
  const form = h("form", { class: "search-form", role: "search" },
    h("label", { for: "search-input", class: "visually-hidden" }, t("search_label")),
    input,
    h("button", { type: "submit" }, t("search_button")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = input.value.trim();
    navigate(q ? `/search?q=${enc(q)}` : "/");
  });
  return h("div", { class: "search-box" }, form, h("p", { id: "search-hint", class: "hint" }, t("search_hint")));
}

function assetTable(assets) {
  return table(
    [t("name"), t("registrant"), t("classification"), t("status"), t("registered_at")],
    assets.map((a) => [
      h("a", { href: `/assets/${a.asset_id}`, class: "asset-name" }, a.name || t("unnamed"),
        h("br"), h("code", { class: "mono muted" }, short(a.asset_id, 10, 8))),
      partyLink(a.registrant),
      tv("classification", a.classification) + (a.derived ? ` · ${t("derived_data")}` : ""),
      legalBadges(a.legal_status, a.status),
      time(a.registered_at),
    ]),
    { className: "table assets" });
}

/** Links to pages 1..pages as `href(page)`, compact around the current one. */
function pager({ page, pages, href, summary }) {
  if (pages <= 1) return summary ? h("p", { class: "pager-summary" }, summary) : null;
  const item = (target, label, rel) => (target < 1 || target > pages || target === page
    ? h("span", { class: "page disabled", "aria-disabled": "true" }, label)
    : h("a", { href: href(target), class: "page", rel }, label));
  return h("nav", { class: "pager", "aria-label": t("pagination") },
    item(1, `« ${t("first_page")}`, "first"),
    item(page - 1, `‹ ${t("prev_page")}`, "prev"),
    h("span", { class: "page current", "aria-current": "page" }, t("page_of", { page: fmtNumber(page), pages: fmtNumber(pages) })),
    item(page + 1, `${t("next_page")} ›`, "next"),
    item(pages, `${t("last_page")} »`, "last"),
    summary ? h("span", { class: "pager-summary" }, summary) : null);
}

async function pageSearch(ctx) {
  const q = (ctx.query.get("q") || "").trim();
  if (!q) {
    setTitle("");
    const page = Math.max(1, Math.floor(Number(ctx.query.get("page"))) || 1);
    const [latest, publicity] = await Promise.all([
      api(`/v1/assets${query({ limit: HOME_PAGE_SIZE, offset: (page - 1) * HOME_PAGE_SIZE })}`),
      api("/v1/registrations?status=publicity&limit=20").catch(() => []),
    ]);
    await loadNames(latest.data.map((a) => a.registrant));
    return [
      h("h1", t("search_title")),
      searchForm(),
      section(t("latest_assets"), latest.data.length ? assetTable(latest.data) : h("p", { class: "muted" }, t("none")),
        pager({ page, pages: Math.ceil(latest.count / HOME_PAGE_SIZE), href: (p) => `/${query({ page: p })}`,
                summary: t("total_count", { count: fmtNumber(latest.count) }) })),
      publicity.length ? section(t("in_publicity"), table(
        [t("data_name"), t("applicant"), t("registrar"), t("publicity_ends"), t("objections_count")],
        publicity.map((n) => [h("a", { href: `/assets/${n.asset_id}` }, n.data_name || short(n.asset_id)),
                              n.applicant_name || "", partyLink(n.registrar), time(n.publicity_ends),
                              String(n.objections)]))) : null,
    ];
  }
  setTitle(t("search_results_for", { q }));
  const heading = h("h1", t("search_results_for", { q }));
  const kind = classify(q);
  if (kind === "address") {
    navigate(`/parties/${q}`, { replace: true });
    return null;
  }
  if (kind === "certificate") {
    const found = await api(`/v1/registrations?certificate=${enc(q)}`);
    if (found.length) {
      navigate(`/assets/${found[0].asset_id}`, { replace: true });
      return null;
    }
    return [heading, searchForm(q), h("p", { class: "card empty" }, t("search_certificate_none", { q: q.toUpperCase() }))];
  }
  if (kind === "hash" || kind === "cid") {
    const hex = kind === "hash" ? (q.startsWith("0x") ? q : `0x${q}`).toLowerCase() : null;
    const [asset, verdict] = await Promise.all([
      hex ? api(`/v1/assets/${hex}`).catch(notFoundIsNull) : null,
      verifyFingerprint(hex ? { sha256: hex } : { cid: q }),
    ]);
    if (asset && !verdict.registered) {
      navigate(`/assets/${asset.asset_id}`, { replace: true });
      return null;
    }
    return [
      heading, searchForm(q),
      asset ? section(t("search_assets"), assetTable([asset])) : null,
      section(t("search_fingerprint"), verdictView(verdict)),
    ];
  }
  const page = Math.max(1, parseInt(ctx.query.get("page") || "1", 10) || 1);
  const [assets, participants] = await Promise.all([
    api(`/v1/assets${query({ q, limit: SEARCH_PAGE_SIZE, offset: (page - 1) * SEARCH_PAGE_SIZE })}`),
    api("/v1/participants").catch(() => []),
  ]);
  await loadNames(assets.data.map((a) => a.registrant));
  const needle = q.toLowerCase();
  const matching = participants.filter((p) => p.name.toLowerCase().includes(needle));
  if (!assets.count && !matching.length) {
    return [heading, searchForm(q), h("p", { class: "card empty" }, t("search_nothing", { q }))];
  }
  const pages = Math.ceil(assets.count / SEARCH_PAGE_SIZE);
  return [
    heading, searchForm(q),
    matching.length ? section(t("search_participants"), participantTable(matching)) : null,
    assets.count ? section(t("search_assets"),
      assetTable(assets.data),
      pager({ page, pages, href: (p) => `/search${query({ q, page: p })}`,
              summary: t("total_count", { count: fmtNumber(assets.count) }) })) : null,
  ];
}

function participantTable(participants) {
  return table([t("name"), t("role"), t("status"), t("address")], participants.map((p) => [
    h("a", { href: `/parties/${p.account}` }, p.name),
    tv("role", p.role),
    badge(tv("participant_status", p.status), p.status === "active" ? "ok" : "bad"),
    partyLink(p.account),
  ]));
}

// ─────────────────────────────── asset ───────────────────────────────

/** The asset's page. The overview reads the whole asset; history and lineage only need its name and status,
 * which the lineage answer carries, so they stay fast for an asset with thousands of rights. */
async function pageAsset(ctx, assetId, tab) {
  let asset;
  let graph = null;
  if (tab === "overview") {
    asset = await api(`/v1/assets/${enc(assetId)}`);
    addNames(asset.names);
  } else {
    const depth = tab === "lineage" ? lineageDepth(ctx) : 1;
    graph = await api(`/v1/assets/${enc(assetId)}/lineage${query({ depth })}`);
    const node = graph.nodes.find((n) => n.asset_id === graph.asset_id) || { asset_id: graph.asset_id };
    asset = { asset_id: graph.asset_id, name: node.name, status: node.status, legal_status: node.legal_status };
  }
  setTitle(`${asset.name || short(asset.asset_id)} · ${t(`tab_${tab}`)}`);
  const base = `/assets/${asset.asset_id}`;
  const tabs = h("nav", { class: "tabs", "aria-label": t("asset") },
    [["overview", base], ["history", `${base}/history`], ["lineage", `${base}/lineage`]].map(([name, href]) =>
      h("a", { href, class: "tab", "aria-current": name === tab ? "page" : null }, t(`tab_${name}`))));
  const header = h("header", { class: "asset-header" },
    h("p", { class: "eyebrow" }, t("asset")),
    h("h1", asset.name || t("unnamed")),
    h("p", { class: "badges" }, legalBadges(asset.legal_status, asset.status),
      asset.classification ? classificationBadge(asset.classification) : null,
      asset.derived ? badge(t("derived_data"), "neutral") : null,
      asset.registration && asset.registration.certificate_number
        ? badge(`${t("certificate_number")} ${asset.registration.certificate_number}`, legalKind(asset.legal_status))
        : null),
    asset.legal_status ? h("p", { class: "legal-text", id: "legal-text" }, `${t("legal_status")}: `,
      legalText(asset.legal_status)) : null,
    h("p", { class: "asset-id" }, h("span", { class: "muted" }, `${t("asset_id")} `),
      h("code", { class: "mono full" }, asset.asset_id), copyButton(asset.asset_id)),
    tabs);
  let body;
  if (tab === "history") body = await historyTab(ctx, asset);
  else if (tab === "lineage") body = lineageTab(ctx, asset, graph);
  else body = await overviewTab(ctx, asset);
  return [header, body];
}

/** Every right of the asset (now, or at `at`): the detail carries the first 100, the rest come a page of
 * 1,000 at a time, all pages asked for at once. */
async function allRights(asset, at) {
  if (!at && asset.rights.length >= asset.right_count) return { rights: asset.rights };
  const offsets = [];
  for (let offset = 0; offset < asset.right_count; offset += 1000) offsets.push(offset);
  const pages = await Promise.all(offsets.map((offset) =>
    api(`/v1/assets/${asset.asset_id}/rights${query({ at, limit: 1000, offset })}`)));
  return { ...pages[0], rights: pages.flatMap((page) => page.rights) };
}

async function overviewTab(ctx, asset) {
  const at = (ctx.query.get("at") || "").trim();
  const rights = await allRights(asset, at);
  // The order in force and its regulator, from the asset's legal status (its frozen remark).
  const freeze = ((asset.legal_status || {}).remarks || []).find((r) => r.type === "frozen") || null;
  const rightsAt = at ? rights : null;
  asset = { ...asset, rights: rights.rights };
  const metadata = asset.metadata || {};
  return h("div", { class: "overview" },
    asset.summary ? h("p", { class: "summary" }, asset.summary) : null,
    h("div", { class: "grid-2" },
      section(t("asset"), facts([
        [t("registrant"), partyLink(asset.registrant, { full: true })],
        [t("submitter"), asset.submitter !== asset.registrant ? partyLink(asset.submitter) : undefined],
        [t("applicant"), metadata.applicant && metadata.applicant.name ? metadata.applicant.name : undefined],
        [t("registered_at"), time(asset.registered_at)],
        [t("classification"), tv("classification", asset.classification)],
        [t("content_hash"), h("span", h("code", { class: "mono full" }, asset.content_hash), copyButton(asset.content_hash))],
        [t("content_cid"), asset.content_cid ? h("code", { class: "mono full" }, asset.content_cid) : null],
        [t("metadata_cid"), cidLink(asset.metadata_cid, "/v1/metadata/")],
        [t("industry"), asset.industry],
        [t("personal_information"), yesNo(asset.personal_information)],
        [t("pi_basis"), personalInformationBasis(asset)],
        [t("sensitive_personal_information"), yesNo(asset.sensitive_personal_information)],
        [t("export_allowed"), yesNo(asset.export_allowed)],
        [t("version"), String(asset.version)],
      ])),
      section(t("evidence"), asset.evidence ? facts([
        [t("chain_id"), String(asset.evidence.chain_id)],
        [t("contract"), h("code", { class: "mono full" }, asset.evidence.contract)],
        [t("event"), asset.evidence.event],
        [t("tx_hash"), h("span", h("code", { class: "mono full" }, asset.evidence.tx_hash), copyButton(asset.evidence.tx_hash))],
        [t("block"), fmtNumber(asset.evidence.block_number)],
        [t("block_hash"), h("code", { class: "mono full" }, asset.evidence.block_hash)],
        [t("log_index"), String(asset.evidence.log_index)],
        [t("time"), time(asset.evidence.timestamp)],
        [t("confirmations"), fmtNumber(asset.confirmations)],
      ]) : h("p", { class: "muted" }, t("none")))),
    rightsSection(asset, rightsAt, at),
    registrationSection(asset),
    remarksSection(asset, freeze),
    freezeOrdersSection(asset),
    versionsSection(asset),
    changeApplicationSection(asset),
    listingsSection(asset.listings),
    asset.listings.length ? h("p", { class: "trades-link" },
      h("a", { href: `/trades${query({ asset: asset.asset_id })}` }, t("trades_of_asset"))) : null,
    attestationsSection(asset.attestations),
    publicDataSection(asset),
    financeRemarksSection(asset),
    accountingSection(asset),
    lineageSummary(asset),
    partiesSection(asset),
    asset.metadata ? section(t("metadata_document"),
      h("details", { class: "document" }, h("summary", t("show_document")),
        h("pre", JSON.stringify(asset.metadata, null, 2)))) : null);
}

function rightNode(right) {
  const terms = right.terms || {};
  const meta = [];
  if (right.valid_from || right.valid_until) {
    meta.push(h("span", `${t("valid_from")} `, right.valid_from ? time(right.valid_from) : t("no_limit"),
      ` · ${t("valid_until")} `, right.valid_until ? time(right.valid_until) : t("no_limit")));
  }
  if (terms.grantor) meta.push(h("span", `${t("granted_by")} `, partyLink(terms.grantor)));
  if (terms.purpose) meta.push(h("span", `${t("purpose")}: ${terms.purpose}`));
  if (terms.territory) meta.push(h("span", `${t("territory")}: ${terms.territory}`));
  if (terms.quantity) meta.push(h("span", `${t("quantity")}: ${fmtNumber(terms.quantity)}`));
  if (terms.terms_cid) meta.push(h("span", `${t("terms_document")}: `, cidLink(terms.terms_cid)));
  if (right.revocation) {
    const r = right.revocation;
    meta.push(h("span", { class: "revocation" }, `${t("revoked_by")} `, partyLink(r.revoked_by),
      ` · ${t("reason")}: ${tv("revocation_reason", r.reason) || r.reason_code}`,
      r.evidence_cid ? h("span", ` · ${t("revocation_evidence")}: `, cidLink(r.evidence_cid)) : null));
  }
  if (right.chain && right.chain.length > 1) {
    meta.push(h("span", `${t("chain_of_grants")}: ${right.chain.map((n) => `#${n}`).join(" ← ")}`));
  }
  meta.push(h("span", { class: "muted" }, `${t("created_in")} ${t("block")} ${fmtNumber(right.created_block)} · `,
    h("code", { class: "mono", title: right.created_tx, "data-full": right.created_tx }, short(right.created_tx, 8, 6))));
  return h("div", { class: ["right", right.valid ? "valid" : "invalid"], id: `right-${right.right_index}` },
    h("div", { class: "right-head" },
      h("span", { class: "right-no" }, t("right_number", { n: right.right_index })),
      partyLink(right.holder),
      validityBadge(right.valid, right.invalid_reason),
      pendingBadge(right),
      right.sub_grantable ? badge(t("sub_grantable"), "neutral") : null,
      right.transferable ? badge(t("transferable"), "neutral") : null),
    h("div", { class: "right-meta" }, meta));
}

/** The rights of one kind as a tree: each grant under the right it was granted from. */
function rightsTree(rights, kind) {
  const ofKind = rights.filter((r) => r.kind === kind);
  const indexes = new Set(ofKind.map((r) => r.right_index));
  const children = new Map();
  for (const r of ofKind) {
    const parent = indexes.has(r.parent_index) ? r.parent_index : 0;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(r);
  }
  const branch = (parent) => {
    const list = children.get(parent) || [];
    if (!list.length) return null;
    const ul = h("ul", { class: "tree" });
    let shown = 0;
    const more = h("button", { type: "button", class: "more no-print" });
    const showMore = () => {
      const next = list.slice(shown, shown + TREE_CHUNK);
      for (const r of next) ul.insertBefore(h("li", rightNode(r), branch(r.right_index)), moreItem);
      shown += next.length;
      if (shown >= list.length) moreItem.remove();
      else more.textContent = t("show_more", { count: fmtNumber(Math.min(TREE_CHUNK, list.length - shown)), rest: fmtNumber(list.length - shown) });
    };
    const moreItem = h("li", { class: "more-item" }, more);
    more.addEventListener("click", showMore);
    ul.append(moreItem);
    showMore();
    return ul;
  };
  return h("div", { class: "kind-tree", "data-kind": kind },
    h("h3", tv("kind", kind)), branch(0) || h("p", { class: "muted" }, t("no_rights_of_kind")));
}

function rightsSection(asset, rightsAt, at) {
  const input = h("input", { type: "text", name: "at", id: "rights-at", value: at, placeholder: t("rights_at_placeholder") });
  const form = h("form", { class: "inline-form no-print" },
    h("label", { for: "rights-at" }, t("rights_at")), input,
    h("button", { type: "submit" }, t("rights_at_button")),
    at ? h("a", { href: `/assets/${asset.asset_id}` }, t("rights_now")) : null);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(`/assets/${asset.asset_id}${query({ at: input.value.trim() })}`);
  });
  const rights = rightsAt ? rightsAt.rights : asset.rights;
  return section(t("rights"),
    h("p", { class: "muted" }, t("rights_intro")),
    form,
    rightsAt ? h("p", { class: "notice" }, t("rights_as_of", { block: fmtNumber(rightsAt.block), time: timeText(rightsAt.time) })) : null,
    h("div", { class: "rights-trees" }, terms("right_kind").map((kind) => rightsTree(rights, kind))));
}

function registrationSection(asset) {
  const reg = asset.registration;
  if (!reg) return section(t("registration"), h("p", { class: "muted" }, t("no_registration")));
  // A certificate in force is green only when nothing limits it; lapsed and cancelled are never green.
  const certificateKind = reg.certificate_status === "valid" ? legalKind(asset.legal_status)
    : ["lapsed", "cancelled"].includes(reg.certificate_status) ? "bad" : "neutral";
  return section(t("registration"),
    facts([
      [t("stage"), tv("stage", reg.stage)],
      [t("certificate_number"), reg.certificate_number ? h("strong", reg.certificate_number) : null],
      [t("certificate_status"), badge(tv("certificate_status", reg.certificate_status), certificateKind)],
      [t("reason"), reg.reason || reg.reason_code ? reasonText(reg.reason, reg.reason_code) : null],
      [t("registrar"), h("span", reg.registrar_name ? `${reg.registrar_name} ` : "", partyLink(reg.registrar))],
      [t("applicant"), partyLink(reg.applicant)],
      [t("registered_at"), reg.registered_at ? time(reg.registered_at) : null],
      [t("valid_until_cert"), reg.valid_until ? time(reg.valid_until) : null],
      [t("renewal_window"), reg.renewal_window ? h("span", time(reg.renewal_window[0]), " – ", time(reg.renewal_window[1])) : null],
      [t("publicity_ends"), reg.publicity_ends ? time(reg.publicity_ends) : null],
    ]),
    reg.certificate_number ? h("p", h("a", {
      href: `/v1/assets/${asset.asset_id}/certificate?format=html`, target: "_blank", rel: "noopener",
      class: "button-link", id: "certificate-link",
    }, t("open_certificate")), " ", h("a", {
      href: `/v1/assets/${asset.asset_id}/certificate?format=pdf`, target: "_blank", rel: "noopener",
      class: "button-link", id: "certificate-pdf-link",
    }, t("open_certificate_pdf")), " ", h("a", { href: `/verify/${reg.certificate_number}`, class: "button-link" },
      t("cert_verify_title"))) : null,
    reg.objections.length ? table([t("objector"), t("reason"), t("status"), t("block")], reg.objections.map((o) => [
      partyLink(o.objector), reasonText(o.reason, o.reason_code), tv("objection_status", o.status), fmtNumber(o.lodged_block),
    ]), { caption: t("objections") }) : null,
    deadlinesTable(reg));
}

/** The procedure's deadlines (registry/calendar.py): each step, its last day (through 24:00 Beijing time) and
 * whether it is done, within its period, over (publicity) or overdue. */
function deadlinesTable(reg) {
  const deadlines = reg.deadlines || [];
  if (!deadlines.length) return null;
  const state = (d) => (d.overdue ? badge(t("deadline_overdue"), "bad")
    : d.kind === "publicity" ? badge(t(d.passed ? "deadline_ended" : "deadline_running"), d.passed ? "neutral" : "warn")
      : d.done ? badge(t("deadline_done"), "ok") : badge(t("deadline_running"), "warn"));
  return table([t("deadline_kind"), t("deadline_last_day"), t("deadline_state")], deadlines.map((d) => [
    t(`deadline_${d.kind}`) + (d.objection_id ? ` #${d.objection_id}` : ""),
    h("span", { class: "deadline-due", title: d.due }, t("deadline_through", { day: d.last_day }),
      d.provisional ? h("span", { class: "muted", title: t("deadline_provisional") }, " *") : null),
    state(d),
  ]), { caption: t("deadlines"), className: "table deadlines" });
}

function remarksSection(asset, freeze) {
  const remarks = asset.remarks || { frozen: false, pledges: [] };
  return section(t("remarks"),
    h("p", remarks.frozen ? badge(t("frozen"), "bad") : badge(t("not_frozen"), "ok"),
      freeze ? h("span", " ", t("encumbrance_frozen", { order: freeze.order_reference || "" }), " · ",
        partyLink(freeze.by), freeze.tx_hash ? h("span", " · ", mono(freeze.tx_hash)) : null) : null),
    remarks.pledges.length ? table([t("pledge_no"), t("pledgee"), t("registrar"), t("status"), t("evidence")],
      remarks.pledges.map((p) => [p.external_registration_no, partyLink(p.pledgee), partyLink(p.registrar),
        p.active ? badge(t("active"), "warn") : badge(t("released"), "neutral"),
        txEvidence(p.recorded_tx, p.recorded_block)]), { caption: t("pledges") })
      : h("p", { class: "muted" }, t("no_pledges")));
}

// ── The record authority (issue 13): each part of the asset page its own function, to keep merges easy. ──

/** Every freeze order (查封), standing or released, with its place in the waiting list (轮候查封). */
function freezeOrdersSection(asset) {
  const orders = asset.freeze_orders || [];
  if (!orders.length) return section(t("freeze_orders"), h("p", { class: "muted" }, t("no_freeze_orders")));
  return h("div", { id: "freeze-orders" }, section(t("freeze_orders"), table(
    [t("freeze_order_no"), t("regulator"), t("order_reference"), t("waiting_position"), t("status"), t("evidence")],
    orders.map((o) => [
      String(o.order_id),
      h("span", o.regulator_name ? `${o.regulator_name} ` : "", partyLink(o.regulator)),
      h("span", o.order_reference, o.evidence_cid ? h("span", " · ", cidLink(o.evidence_cid)) : null),
      o.active ? (o.waiting_position === 1 ? t("in_effect") : t("waiting_n", { n: o.waiting_position - 1 })) : "—",
      o.active ? badge(t("active"), "bad") : h("span", badge(t("released"), "neutral"),
        o.released_by ? h("span", ` ${t("released_by")} `, partyLink(o.released_by)) : null,
        o.released_by_admin ? h("span", { class: "muted" }, ` (${t("released_by_admin")})`) : null,
        o.release_evidence_cid ? h("span", ` · ${t("release_evidence")}: `, cidLink(o.release_evidence_cid)) : null),
      txEvidence(o.ordered_tx, o.ordered_block),
    ]))));
}

/** Every version of the asset: its data's fingerprint, metadata, classification and flags, current or not. */
function versionsSection(asset) {
  const versions = asset.versions || [];
  if (!versions.length) return null;
  const flags = (v) => [
    v.personal_information ? t("personal_information") : null,
    v.sensitive_personal_information ? t("sensitive_personal_information") : null,
    v.export_allowed ? t("export_allowed") : null,
  ].filter(Boolean).join(" · ") || "—";
  return h("div", { id: "versions" }, section(t("versions"), table(
    [t("version"), t("content_hash_short"), t("metadata_cid"), t("classification"), t("flags"), t("status"),
      t("evidence")],
    versions.map((v) => [
      String(v.version),
      h("span", h("code", { class: "mono", title: v.content_hash }, short(v.content_hash, 10, 8)),
        copyButton(v.content_hash)),
      cidLink(v.metadata_cid, "/v1/metadata/"),
      tv("classification", v.classification),
      flags(v),
      v.current ? badge(t("current_version"), "ok") : badge(t("superseded_version"), "neutral"),
      h("span", time(v.recorded_at), " · ", txEvidence(v.tx_hash, v.block_number)),
    ]))));
}

/** The latest change registration: pending (the registered version pinned), approved or refused. */
function changeApplicationSection(asset) {
  const c = asset.change_application;
  if (!c) return null;
  const status = { pending: ["change_pending", "warn"], approved: ["change_approved", "ok"],
    refused: ["change_refused", "neutral"] }[c.status] || [c.status, "neutral"];
  return h("div", { id: "change-application" }, section(t("change_application"), facts([
    [t("change_status"), badge(t(status[0]), status[1])],
    [t("applicant"), partyLink(c.applicant)],
    [t("registrar"), h("span", c.registrar_name ? `${c.registrar_name} ` : "", partyLink(c.registrar))],
    [t("metadata_cid"), cidLink(c.metadata_cid, "/v1/metadata/")],
    [t("new_content_hash"), c.content_hash ? h("code", { class: "mono full" }, c.content_hash) : t("data_unchanged")],
    [t("classification"), tv("classification", c.classification)],
    [t("reason"), c.reason_code ? reasonText(c.reason, c.reason_code) : null],
    [t("became_version"), c.version ? String(c.version) : null],
    [t("applied_in"), fmtNumber(c.applied_block)],
    [t("decided_in"), c.decided_block ? fmtNumber(c.decided_block) : null],
  ])));
}

/** A right named to a holder who has not accepted it yet. */
function pendingBadge(right) {
  return right.pending ? badge(t("right_pending"), "warn", t("right_pending_hint")) : null;
}

function listingsTable(listings, { showAsset = false } = {}) {
  const headers = [`#`, ...(showAsset ? [t("asset")] : []), t("exchange"), t("exchange_listing_id"), t("consent_by"),
                   t("operating_right"), t("origin_listing"), t("listing_status"), t("validity"), t("listed_in")];
  return table(headers, listings.map((l) => [
    String(l.listing_id),
    ...(showAsset ? [assetLink(l.asset_id, l.asset_name)] : []),
    h("span", partyLink(l.exchange)),
    h("strong", l.exchange_listing_id),
    partyLink(l.holder),
    `#${l.right_index}`,
    l.origin_listing_id ? `#${l.origin_listing_id}` : (l.cross_listings.length ? `${t("cross_listings")}: ${l.cross_listings.map((n) => `#${n}`).join(", ")}` : "—"),
    tv("listing_status", l.status),
    validityBadge(l.valid, l.invalid_reason, "listing_reason"),
    txEvidence(l.listed_tx, l.listed_block),
  ]), { className: "table listings" });
}

function listingsSection(listings) {
  return section(t("listings"), listings.length ? listingsTable(listings) : h("p", { class: "muted" }, t("no_listings")));
}

function attestationsSection(attestations) {
  if (!attestations.length) return section(t("attestations"), h("p", { class: "muted" }, t("no_attestations")));
  return section(t("attestations"), table(
    [t("attestation_kind"), t("issuer"), t("value"), t("method"), t("conclusion"), t("report"), t("status"), t("issued_at")],
    attestations.map((a) => [
      tv("attestation_kind", a.kind),
      h("span", partyLink(a.issuer)),
      a.value ? money(a.value, a.currency) : "—",
      a.method || "—",
      appraisalCell(a),
      cidLink(a.report_cid),
      h("span", validityBadge(a.status === "valid", a.status, "attestation_status"),
        a.revocation_reason ? ` ${reasonText(a.revocation_reason)}` : null),
      time(a.issued_at),
    ])));
}

// ── Finance records (issue 21, FinanceRecords): each part of the asset page its own function, as above. ──

/** Who a remark's counterparty is to it: the company the asset is contributed to, or the trust's trustee. */
const REMARK_COUNTERPARTY = { capital_contribution: "investee", data_trust: "trustee" };

/** A finance remark's kind with the vocabulary's label; in English the Chinese legal term beside it, as these are
 * terms of Chinese law (作价出资, 数据信托) a reader may need to look up. */
function remarkKind(kind) {
  const label = tv("finance_remark_kind", kind);
  const zh = lang() === "zh" ? null : termLabel("finance_remark_kind", kind, "zh");
  return h("span", { class: "remark-kind", "data-kind": kind }, label,
    zh && zh !== label ? h("span", { class: "muted", lang: "zh-CN" }, ` ${zh}`) : null);
}

/** A remark's status: in force until its holder ends it (the contribution released, the trust ended). */
function remarkStatus(r) {
  if (r.status !== "ended") return badge(t("remark_in_force"), "warn");
  return h("span", badge(t(r.kind === "data_trust" ? "remark_ended_trust" : "remark_ended_contribution"), "neutral"),
    r.ended_at ? h("span", " ", time(r.ended_at)) : null,
    r.end_evidence_cid ? h("span", ` · ${t("end_evidence")}: `, cidLink(r.end_evidence_cid)) : null);
}

/** Capital contributions (作价出资) and data trusts (数据信托) the asset's holders recorded, in force or ended. */
function financeRemarksSection(asset) {
  const remarks = asset.finance_remarks || [];
  return h("div", { id: "finance-remarks" }, section(t("finance_remarks"), remarks.length ? table(
    ["#", t("finance_remark_kind"), t("holder"), t("counterparties"), t("effective_period"), t("status"),
      t("agreement"), t("evidence")],
    remarks.map((r) => [
      String(r.remark_id),
      remarkKind(r.kind),
      partyLink(r.holder),
      h("ul", { class: "plain counterparties" },
        h("li", h("span", { class: "muted" }, `${tv("party_role", REMARK_COUNTERPARTY[r.kind] || "counterparty")} `),
          partyLink(r.counterparty)),
        r.beneficiaries.map((b) => h("li", h("span", { class: "muted" }, `${tv("party_role", "beneficiary")} `),
          partyLink(b)))),
      h("span", r.effective_from ? time(r.effective_from) : "—", " – ",
        r.effective_until ? time(r.effective_until) : t("no_fixed_end")),
      remarkStatus(r),
      cidLink(r.document_cid),
      txEvidence(r.recorded_tx, r.recorded_block),
    ]), { className: "table finance-remarks" }) : h("p", { class: "muted" }, t("no_finance_remarks"))));
}

/** Each holder's accounting record (数据资产入表): who, its auditor and the commitment, never the document, which
 * only the holder and that auditor may read. */
function accountingSection(asset) {
  const records = asset.accounting_records || [];
  return h("div", { id: "accounting-records" }, section(t("accounting_records"), records.length ? [
    h("p", { class: "muted", id: "accounting-private" }, t("accounting_private")),
    table([t("holder"), t("auditor"), t("revision"), t("commitment"), t("recorded_at"), t("evidence")],
      records.map((r) => [
        partyLink(r.holder),
        r.auditor ? partyLink(r.auditor) : h("span", { class: "muted" }, t("no_auditor")),
        String(r.revision),
        h("span", { class: "commitment" }, mono(r.document_cid), copyButton(r.document_cid)),
        time(r.recorded_at),
        txEvidence(r.recorded_tx, r.recorded_block),
      ]), { className: "table accounting-records" }),
  ] : h("p", { class: "muted" }, t("no_accounting_records"))));
}

/** Whether the metadata of an asset flagged with personal information gives the legal basis of processing it
 * (never the basis itself, which the API shows to the registration's parties only); nothing for other assets. */
function personalInformationBasis(asset) {
  const given = asset.personal_information_basis_given;
  if (given === null || given === undefined) return undefined;
  return h("span", { id: "pi-basis", "data-given": String(given) },
    given ? badge(t("pi_basis_given"), "ok") : badge(t("pi_basis_missing"), "bad"),
    h("span", { class: "muted" }, ` ${t(given ? "pi_basis_given_note" : "pi_basis_missing_note")}`));
}

/** An attestation's conclusion; for an appraisal also its value type, valuation date, basis and engagement. */
function appraisalCell(a) {
  if (!a.value_type) return a.conclusion || "—";
  return h("span", { class: "appraisal" }, a.conclusion ? h("span", a.conclusion) : null,
    h("span", { class: "muted appraisal-terms" },
      `${a.conclusion ? " · " : ""}${tv("value_type", a.value_type)} · ${t("valuation_date")} `, time(a.valuation_date),
      a.basis ? ` · ${t("appraisal_basis")} ${a.basis}` : "",
      a.engagement ? h("span", ` · ${t("engaged_by")} `, partyLink(a.engagement.holder)) : null));
}

function lineageSummary(asset) {
  const link = (l) => h("li", assetLink(l.asset_id), " ", h("span", { class: "muted" }, t("via_right", { n: l.right_index })));
  if (!asset.sources.length && !asset.derived_assets.length) {
    return section(t("lineage_summary"), h("p", { class: "muted" }, t("no_lineage")));
  }
  return section(t("lineage_summary"),
    asset.sources.length ? h("div", h("h3", t("sources")), h("ul", asset.sources.map(link))) : null,
    asset.derived_assets.length ? h("div", h("h3", t("derived_products")), h("ul", asset.derived_assets.map(link))) : null,
    h("p", h("a", { href: `/assets/${asset.asset_id}/lineage` }, `${t("tab_lineage")} →`)));
}

/** Everyone the asset's record names, with what they are to it. */
function partiesSection(asset) {
  const roles = new Map();
  // `finance`: a party only the finance records name (marked, so a comparison with the explorer before them can
  // leave it out: scripts/compare_explorer.py).
  const add = (address, role, finance = false) => {
    if (!address) return;
    const key = address.toLowerCase();
    if (!roles.has(key)) roles.set(key, { address, roles: new Set(), finance });
    roles.get(key).roles.add(role);
    roles.get(key).finance &&= finance;
  };
  add(asset.registrant, t("registrant"));
  add(asset.submitter, t("submitter"));
  for (const r of asset.rights) {
    add(r.holder, `${t("holder")} #${r.right_index}`);
    if (r.terms) add(r.terms.grantor, `${t("granted_by")} #${r.right_index}`);
  }
  for (const l of asset.listings) {
    add(l.exchange, t("exchange"));
    add(l.holder, t("consent_by"));
  }
  if (asset.registration) {
    add(asset.registration.registrar, t("registrar"));
    for (const o of asset.registration.objections) add(o.objector, t("objector"));
  }
  for (const p of (asset.remarks || { pledges: [] }).pledges) add(p.pledgee, t("pledgee"));
  for (const a of asset.attestations) add(a.issuer, t("issuer"));
  for (const r of asset.finance_remarks || []) {
    add(r.counterparty, t(REMARK_COUNTERPARTY[r.kind] || "counterparty"), true);
    for (const b of r.beneficiaries) add(b, t("beneficiary"), true);
  }
  for (const a of asset.accounting_records || []) add(a.auditor, t("auditor"), true);
  return section(t("parties"), h("ul", { class: "parties" }, [...roles.values()].map((p) =>
    h("li", { "data-finance-party": p.finance }, partyLink(p.address, { full: true }),
      h("span", { class: "muted" }, ` ${[...p.roles].join(", ")}`)))));
}

// ─────────────────────────────── history ───────────────────────────────

const ROLE_KEYS = ["registrant", "submitter", "holder", "grantee", "grantor", "from", "to", "exchange", "applicant",
                   "registrar", "issuer", "pledgee", "objector", "regulator", "by"];
const TIME_KEYS = new Set(["validFrom", "validUntil", "previousValidUntil", "publicityEnds"]);
const TEXT_KEYS = new Set(["certificateNumber", "currency"]);

function detailValue(key, value, event, context) {
  if (TIME_KEYS.has(key)) return time(unixTime(value));
  if (TEXT_KEYS.has(key) && typeof value === "string" && value.startsWith("0x")) return hexToText(value);
  if (/Cid$/.test(key) && event.cids && event.cids[key]) {  // decoded by the API
    return cidLink(event.cids[key], key === "metadataCid" ? "/v1/metadata/" : "/v1/content/");
  }
  if (key === "reasonCode") return reasonText(event.reason, value);
  if (key === "classification") return tv("classification", termOf("classification", value)) || String(value);
  if (key === "kind" && context === "data") return tv("attestation_kind", termOf("attestation_kind", value));
  if (key === "value" && context === "data") return null; // shown with its currency
  if (key === "sourceAssetId") return assetLink(value);
  if (typeof value === "boolean") return yesNo(value);
  if (typeof value === "number") return fmtNumber(value);
  if (typeof value === "string" && value.startsWith("0x") && value.length > 20) return mono(value);
  return String(value);
}

/** An event's details as short "label: value" items, leaving out addresses (shown as parties) and blanks. */
function detailItems(event) {
  if (FINANCE_DETAILS[event.event]) return FINANCE_DETAILS[event.event](event);
  const items = [];
  const walk = (object, context) => {
    for (const [key, value] of Object.entries(object)) {
      if (value === null || value === undefined || value === "" || value === 0 || value === false) continue;
      if (value === ZERO_HASH || isAddress(value)) continue;
      if (["parentIndex"].includes(key) && event.event === "RightGranted") {
        items.push(h("span", { class: "detail" }, `${tv("field", key)}: #${value}`));
        continue;
      }
      if (typeof value === "object" && !Array.isArray(value)) {
        walk(value, key);
        if (key === "data" && value.value) {
          const currency = value.currency ? hexToText(value.currency) : "";
          items.push(h("span", { class: "detail" }, `${tv("field", "value")}: ${money(value.value, currency)}`));
        }
        continue;
      }
      const shown = detailValue(key, value, event, context);
      if (shown === null) continue;
      items.push(h("span", { class: "detail" }, `${tv("field", key)}: `, shown));
    }
  };
  walk(event.details || {}, null);
  return items;
}

function partyRoles(event) {
  const roles = new Map();
  const walk = (object) => {
    for (const [key, value] of Object.entries(object || {})) {
      if (isAddress(value) && !roles.has(value) && ROLE_KEYS.includes(key)) roles.set(value, key);
      else if (value && typeof value === "object" && !Array.isArray(value)) walk(value);
    }
  };
  walk(event.details);
  return roles;
}

function historyRow(event, number) {
  const roles = partyRoles(event);
  const parties = FINANCE_DETAILS[event.event] ? financeParties(event, roles) : event.parties;
  return h("tr", { class: "event", "data-event": event.event },
    h("td", { class: "num" }, fmtNumber(number)),
    h("td", time(event.timestamp)),
    h("td", h("span", { class: "action", title: event.event }, tv("action", event.action))),
    h("td", rightLabel(event.right_index, event.kind)),
    h("td", event.actor ? partyLink(event.actor) : h("span", { class: "muted" }, "—")),
    h("td", h("ul", { class: "plain" }, parties.map((p) => h("li",
      roles.has(p) ? h("span", { class: "muted" }, `${tv("party_role", roles.get(p))} `) : null, partyLink(p))))),
    h("td", h("div", { class: "details" }, detailItems(event))),
    h("td", txEvidence(event.tx_hash, event.block_number, [
      [t("block_hash"), h("code", { class: "mono full" }, event.block_hash)],
      [t("log_index"), String(event.log_index)],
      [t("event"), event.event],
    ])));
}

// The finance events (issue 21) read by their own rules: a remark's kind is a finance remark kind (not an
// attestation's), its term is in dates, its counterparty and beneficiaries (inside `data`, so not among the API's
// parties) are parties, and an accounting commitment is not a link, as its document is private.
const FINANCE_DETAILS = {
  AccountingRecorded: (event) => [
    h("span", { class: "detail" }, `${tv("field", "revision")}: ${fmtNumber(event.details.revision)}`),
    h("span", { class: "detail" }, `${tv("field", "commitment")}: `, mono((event.cids || {}).documentCid || event.details.documentCid),
      h("span", { class: "muted" }, ` (${t("accounting_private_short")})`)),
  ],
  FinanceRemarkRecorded: (event) => {
    const d = event.details.data || {};
    const kind = termOf("finance_remark_kind", d.kind);
    return [
      h("span", { class: "detail" }, `${tv("field", "remarkId")}: #${event.details.remarkId}`),
      h("span", { class: "detail" }, `${tv("field", "kind")}: `, kind ? remarkKind(kind) : String(d.kind)),
      h("span", { class: "detail" }, `${tv("field", "term")}: `, d.effectiveFrom ? time(unixTime(d.effectiveFrom)) : "—",
        " – ", d.effectiveUntil ? time(unixTime(d.effectiveUntil)) : t("no_fixed_end")),
      (event.cids || {}).documentCid ? h("span", { class: "detail" }, `${tv("field", "agreement")}: `, cidLink(event.cids.documentCid)) : null,
    ].filter(Boolean);
  },
  FinanceRemarkEnded: (event) => [
    h("span", { class: "detail" }, `${tv("field", "remarkId")}: #${event.details.remarkId}`),
    (event.cids || {}).evidenceCid ? h("span", { class: "detail" }, `${tv("field", "endEvidence")}: `, cidLink(event.cids.evidenceCid)) : null,
  ].filter(Boolean),
};

/** A finance event's parties with their roles: the API's (the holder; an accounting record's auditor), then a
 * remark's counterparty and beneficiaries. Fills `roles`. */
function financeParties(event, roles) {
  const d = event.details || {};
  if (isAddress(d.auditor) && Number(d.auditor) !== 0) roles.set(d.auditor, "auditor");
  const data = d.data || {};
  const extra = [];
  if (isAddress(data.counterparty)) {
    roles.set(data.counterparty, REMARK_COUNTERPARTY[termOf("finance_remark_kind", data.kind)] || "counterparty");
    extra.push(data.counterparty);
  }
  for (const b of data.beneficiaries || []) {
    if (!isAddress(b)) continue;
    if (!roles.has(b)) roles.set(b, "beneficiary");
    extra.push(b);
  }
  return [...new Set([...event.parties.filter((p) => Number(p) !== 0), ...extra])];
}

async function historyTab(ctx, asset) {
  const filters = {
    kind: ctx.query.get("kind") || "",
    party: (ctx.query.get("party") || "").trim(),
    since: (ctx.query.get("since") || "").trim(),
    until: (ctx.query.get("until") || "").trim(),
  };
  const apiFilters = {
    ...filters,
    since: filters.since,
    // A date alone as the end of a range means the whole of that day.
    until: /^\d{4}-\d{2}-\d{2}$/.test(filters.until) ? `${filters.until}T23:59:59Z` : filters.until,
  };
  const requested = Math.max(1, parseInt(ctx.query.get("page") || "1", 10) || 1);
  const base = `/assets/${asset.asset_id}/history`;
  let pageData = await api(`/v1/assets/${asset.asset_id}/history${query({ ...apiFilters, limit: HISTORY_PAGE_SIZE, offset: (requested - 1) * HISTORY_PAGE_SIZE })}`);
  const pages = Math.max(1, Math.ceil(pageData.count / HISTORY_PAGE_SIZE));
  let page = requested;
  if (requested > pages) { // past the end (e.g. after a filter): show the last page
    page = pages;
    pageData = await api(`/v1/assets/${asset.asset_id}/history${query({ ...apiFilters, limit: HISTORY_PAGE_SIZE, offset: (page - 1) * HISTORY_PAGE_SIZE })}`);
  }
  addNames(pageData.names);
  const from = pageData.count ? (page - 1) * HISTORY_PAGE_SIZE + 1 : 0;
  const to = (page - 1) * HISTORY_PAGE_SIZE + pageData.data.length;
  const hrefFor = (p) => `${base}${query({ ...filters, page: p > 1 ? p : "" })}`;
  const summary = t("rows_of", { from: fmtNumber(from), to: fmtNumber(to), count: fmtNumber(pageData.count) });

  const kindSelect = h("select", { id: "filter-kind", name: "kind" },
    h("option", { value: "" }, t("all_kinds")),
    terms("right_kind").map((k) => h("option", { value: k, selected: filters.kind === k }, tv("kind", k))));
  const party = h("input", { id: "filter-party", name: "party", value: filters.party, placeholder: "0x…", size: 20 });
  const since = h("input", { id: "filter-since", name: "since", value: filters.since, placeholder: t("filter_since_placeholder"), size: 14 });
  const until = h("input", { id: "filter-until", name: "until", value: filters.until, placeholder: t("filter_since_placeholder"), size: 14 });
  const form = h("form", { class: "filters no-print", id: "history-filters" },
    h("div", h("label", { for: "filter-kind" }, t("filter_kind")), kindSelect),
    h("div", h("label", { for: "filter-party" }, t("filter_party")), party),
    h("div", h("label", { for: "filter-since" }, t("filter_since")), since),
    h("div", h("label", { for: "filter-until" }, t("filter_until")), until),
    h("div", { class: "filter-buttons" },
      h("button", { type: "submit" }, t("filter_apply")),
      Object.values(filters).some(Boolean) ? h("a", { href: base }, t("filter_clear")) : null));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(`${base}${query({ kind: kindSelect.value, party: party.value.trim(), since: since.value.trim(), until: until.value.trim() })}`);
  });
  const csv = `/v1/assets/${asset.asset_id}/history${query({ ...apiFilters, format: "csv" })}`;
  const top = pager({ page, pages, href: hrefFor, summary });
  const goForm = pages > 1 ? (() => {
    const input = h("input", { type: "number", min: 1, max: pages, value: page, id: "go-page", class: "go-page" });
    const f = h("form", { class: "inline-form no-print go-form" },
      h("label", { for: "go-page" }, t("go_to_page")), input, h("button", { type: "submit" }, t("go")));
    f.addEventListener("submit", (event) => {
      event.preventDefault();
      const target = Math.min(pages, Math.max(1, parseInt(input.value, 10) || 1));
      navigate(hrefFor(target));
    });
    return f;
  })() : null;
  return h("section", { class: "card history", "aria-labelledby": "history-title" },
    h("h2", { id: "history-title" }, t("history_title")),
    h("p", { class: "muted" }, t("history_intro")),
    form,
    h("p", { class: "toolbar" },
      h("a", { href: csv, download: `history-${asset.asset_id}.csv`, class: "button-link", id: "csv-link" }, t("download_csv")),
      h("span", { class: "muted", id: "history-count" }, t("total_count", { count: fmtNumber(pageData.count) }))),
    top,
    pageData.data.length ? h("div", { class: "table-wrap" }, h("table", { class: "table timeline", id: "history-table" },
      h("thead", h("tr", ["#", t("time"), t("action"), t("right"), t("actor"), t("parties"), t("details"), t("evidence")]
        .map((head) => h("th", { scope: "col" }, head)))),
      h("tbody", pageData.data.map((event, i) => historyRow(event, from + i)))))
      : h("p", { class: "empty" }, t("no_events")),
    pager({ page, pages, href: hrefFor, summary }),
    goForm);
}

// ─────────────────────────────── lineage ───────────────────────────────

function lineageDepth(ctx) {
  return Math.min(10, Math.max(1, parseInt(ctx.query.get("depth") || "3", 10) || 3));
}

function lineageTab(ctx, asset, graph) {
  const depth = lineageDepth(ctx);
  const byId = new Map(graph.nodes.map((n) => [n.asset_id, n]));
  const select = h("select", { id: "lineage-depth" },
    Array.from({ length: 10 }, (_, i) => i + 1).map((d) => h("option", { value: d, selected: d === depth }, String(d))));
  select.addEventListener("change", () => navigate(`/assets/${asset.asset_id}/lineage${query({ depth: select.value })}`));
  const nodeLabel = (n) => `${n.name || n.asset_id} (${n.asset_id})${n.level < 0 ? ` · ${t("source_of")}` : n.level > 0 ? ` · ${t("derived_of")}` : ` · ${t("this_asset")}`}`;
  const svg = renderLineage(graph, {
    current: asset.asset_id,
    href: (n) => `/assets/${n.asset_id}/lineage${depth !== 3 ? query({ depth }) : ""}`,
    label: nodeLabel,
    edgeLabel: (e) => `#${e.right_index}`,
    title: t("lineage_graph_label"),
  });
  return h("section", { class: "card lineage", "aria-labelledby": "lineage-title" },
    h("h2", { id: "lineage-title" }, t("lineage_title")),
    h("p", { class: "muted" }, t("lineage_intro")),
    h("p", { class: "inline-form no-print" }, h("label", { for: "lineage-depth" }, t("depth")), select),
    graph.edges.length ? null : h("p", { class: "notice" }, t("no_lineage")),
    h("div", { class: "graph-wrap" }, svg),
    graph.edges.length ? table([t("edge_from"), t("edge_to"), t("edge_right")], graph.edges.map((e) => [
      assetLink(e.source, (byId.get(e.source) || {}).name),
      assetLink(e.derived, (byId.get(e.derived) || {}).name),
      `#${e.right_index}`,
    ]), { caption: t("lineage_table") }) : null);
}

// ─────────────────────────────── verify ───────────────────────────────

// The verdict's look by the legal status found: a tick only for a certificate in force with no remark.
function verdictClass(legal, registered) {
  if (!registered || !legal) return registered ? "verdict-pending" : "verdict-no";
  if (legal.status === "lapsed" || legal.status === "cancelled") return "verdict-ended";
  if (legal.remarks.length) return "verdict-limited";
  return legal.status === "certified" ? "verdict-yes" : "verdict-pending";
}

function verdictView(result) {
  const registered = result.registered;
  const legal = result.legal_status;
  const kind = verdictClass(legal, registered);
  const symbol = { "verdict-yes": "✓", "verdict-no": "✗", "verdict-pending": "…", "verdict-limited": "!", "verdict-ended": "✗" }[kind];
  const title = registered && legal
    ? [tv("legal_status", legal.status), ...legal.remarks.map((r) => tv("remark", r.type))].join(" · ")
    : t("verdict_not_registered");
  const head = h("div", { class: ["verdict", kind], id: "verdict", role: "status",
                          "data-legal-status": legal ? legal.status : null },
    h("strong", { class: "verdict-title" }, `${symbol} ${title}`),
    registered && legal ? h("span", { class: "legal-text" }, legalText(legal)) : null,
    h("span", registered ? t("verdict_registered_text", { count: result.matches.length })
      : t("verdict_not_registered_text", { block: fmtNumber(result.indexed_block ?? 0) })),
    h("div", { class: "muted fingerprint" },
      result.fingerprint.sha256 ? h("div", "SHA-256 ", h("code", { class: "mono full" }, result.fingerprint.sha256)) : null,
      result.fingerprint.cid ? h("div", "CID ", h("code", { class: "mono full" }, result.fingerprint.cid)) : null));
  return h("div", { class: "verdict-wrap" }, head, result.matches.map(matchView));
}

function matchView(m) {
  const holders = terms("right_kind").map((kind) => h("div", { class: "holders" },
    h("h4", tv("kind", kind)),
    m.holders[kind].length ? h("ul", { class: "plain" }, m.holders[kind].map((x) => h("li",
      h("span", { class: "right-no" }, `#${x.right_index}`), " ", partyLink(x.holder),
      x.chain.length > 1 ? h("div", { class: "muted small" }, `${t("chain_of_grants")}: `,
        x.chain.map((n, i) => h("span", `#${n} `, partyLink(x.chain_holders[i]), i < x.chain.length - 1 ? " ← " : ""))) : null,
      x.valid_until || (x.terms && x.terms.purpose) ? h("div", { class: "muted small" },
        x.valid_until ? h("span", `${t("valid_until")} `, time(x.valid_until)) : null,
        x.valid_until && x.terms && x.terms.purpose ? " · " : null,
        x.terms && x.terms.purpose ? `${t("purpose")}: ${x.terms.purpose}` : null) : null)))
      : h("p", { class: "muted" }, t("none"))));
  const encumbrances = m.encumbrances.map((e) => h("li", e.type === "frozen"
    ? h("span", badge(t("frozen"), "bad"), " ", t("encumbrance_frozen", { order: e.order_reference || "" }))
    : h("span", badge(t("pledges"), "warn"), " ", t("encumbrance_pledge", { no: e.external_registration_no || "" }), " ", partyLink(e.pledgee))));
  const ev = m.evidence;
  return h("article", { class: "card match", "data-asset": m.asset_id },
    h("h3", h("a", { href: `/assets/${m.asset_id}` }, m.name || t("unnamed"))),
    facts([
      [t("asset_id"), h("code", { class: "mono full" }, m.asset_id)],
      [t("registrant"), partyLink(m.registrant)],
      [t("legal_status"), legalBadges(m.legal_status, m.status)],
      [t("certificate_status"), m.certificate_status ? tv("certificate_status", m.certificate_status)
        + (m.certificate_number ? ` · ${m.certificate_number}` : "") : null],
      [t("classification"), tv("classification", m.classification)],
      [t("registered_at"), time(m.registered_at)],
      [t("matched_by"), m.matched_by.map((x) => tv("matched_by", x)).join(", ")],
      [t("personal_information"), yesNo(m.flags.personal_information)],
      [t("export_allowed"), yesNo(m.flags.export_allowed)],
      [t("derived_data"), yesNo(m.flags.derived)],
    ]),
    h("h4", t("encumbrances")),
    encumbrances.length ? h("ul", { class: "plain" }, encumbrances) : h("p", { class: "muted" }, t("none")),
    h("h4", t("holders_now")),
    h("div", { class: "holders-grid" }, holders),
    h("h4", t("valid_listings")),
    m.listings.length ? table([t("exchange"), t("exchange_listing_id"), t("consent_by"), t("operating_right"), t("listed_in")],
      m.listings.map((l) => [partyLink(l.exchange), l.exchange_listing_id, partyLink(l.holder), `#${l.right_index}`,
                             txEvidence(l.listed_tx, l.listed_block)]))
      : h("p", { class: "muted" }, t("none")),
    h("h4", t("lineage_summary")),
    h("p", `${t("sources")}: ${m.lineage.source_count} · ${t("derived_products")}: ${m.lineage.derived_count}`),
    h("h4", t("evidence")),
    facts([
      [t("chain_id"), String(ev.chain_id)],
      [t("contract"), ev.contracts.DataRegistry ? h("code", { class: "mono full" }, ev.contracts.DataRegistry) : null],
      [t("registration_event"), ev.registration ? txEvidence(ev.registration.tx_hash, ev.registration.block_number, [
        [t("block_hash"), h("code", { class: "mono full" }, ev.registration.block_hash)],
        [t("log_index"), String(ev.registration.log_index)],
        [t("time"), time(ev.registration.timestamp)]]) : null],
      [t("confirmations"), fmtNumber(ev.confirmations)],
    ]),
    ev.rights.length ? table([t("right"), t("holder"), t("created_by_event"), t("last_changed_event")], ev.rights.map((r) => [
      rightLabel(r.right_index, r.kind), partyLink(r.holder),
      r.created ? txEvidence(r.created.tx_hash, r.created.block_number, [[t("event"), r.created.event], [t("log_index"), String(r.created.log_index)]]) : "—",
      r.last_changed ? txEvidence(r.last_changed.tx_hash, r.last_changed.block_number, [[t("event"), r.last_changed.event], [t("log_index"), String(r.last_changed.log_index)]]) : "—",
    ]), { caption: t("right_events") }) : null);
}

async function verifyFile(file, ctx) {
  verifyState.file = { name: file.name, size: file.size };
  verifyState.sha256 = null;
  verifyState.result = null;
  verifyState.error = null;
  verifyState.progress = 0;
  ctx.rerender();
  try {
    let last = 0;
    const { sha256, method } = await hashFile(file, (done, total) => {
      verifyState.progress = total ? done / total : 1;
      const bar = document.getElementById("hash-progress");
      const now = Date.now();
      if (bar && (now - last > 100 || done === total)) {
        bar.value = verifyState.progress;
        last = now;
      }
    });
    verifyState.sha256 = sha256;
    verifyState.method = method;
    verifyState.progress = 1;
    verifyState.result = await verifyFingerprint({ sha256 });
  } catch (error) {
    verifyState.error = error.message || String(error);
  }
  if (location.pathname === "/verify") ctx.rerender();
}

async function verifyTyped(value, ctx) {
  const q = value.trim();
  verifyState.input = q;
  verifyState.file = null;
  verifyState.sha256 = null;
  verifyState.result = null;
  verifyState.error = null;
  const kind = classify(q);
  if (kind !== "hash" && kind !== "cid") {
    verifyState.error = t("bad_fingerprint");
  } else {
    try {
      verifyState.result = await verifyFingerprint(kind === "hash" ? { sha256: q.startsWith("0x") ? q : `0x${q}` } : { cid: q });
    } catch (error) {
      verifyState.error = error.message || String(error);
    }
  }
  ctx.rerender();
}

async function pageVerify(ctx) {
  setTitle(t("verify_title"));
  const input = h("input", { type: "file", id: "file-input", class: "visually-hidden" });
  input.addEventListener("change", () => {
    if (input.files && input.files[0]) verifyFile(input.files[0], ctx);
  });
  const zone = h("div", { class: "dropzone", id: "dropzone" },
    h("p", { class: "drop-title" }, t("drop_here")),
    h("p", t("or"), " ", h("label", { for: "file-input", class: "button-link", tabindex: "0", role: "button",
      onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } } }, t("choose_file"))),
    h("p", { class: "muted" }, t("file_never_uploaded")),
    input);
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const file = event.dataTransfer && event.dataTransfer.files && event.dataTransfer.files[0];
    if (file) verifyFile(file, ctx);
  });
  const typed = h("input", { id: "fingerprint-input", value: verifyState.input, placeholder: t("fingerprint_placeholder"),
                             spellcheck: "false", autocomplete: "off" });
  const typedForm = h("form", { class: "inline-form", id: "fingerprint-form" },
    h("label", { for: "fingerprint-input" }, t("fingerprint_label")), typed, h("button", { type: "submit" }, t("verify_button")));
  typedForm.addEventListener("submit", (event) => {
    event.preventDefault();
    verifyTyped(typed.value, ctx);
  });

  const state = verifyState;
  const file = state.file ? h("div", { class: "card file-info", id: "file-info" },
    facts([
      [t("file_name"), state.file.name],
      [t("file_size"), fmtBytes(state.file.size)],
      [state.sha256 ? t("hashed") : t("hashing"), state.sha256
        ? h("code", { class: "mono full", id: "file-sha256" }, state.sha256)
        : h("progress", { id: "hash-progress", max: 1, value: state.progress || 0 })],
    ])) : null;
  return [
    h("h1", t("verify_title")),
    h("p", { class: "lead" }, t("verify_intro")),
    zone,
    typedForm,
    h("div", { "aria-live": "polite", id: "verify-result" },
      file,
      state.error ? h("p", { class: "card error", role: "alert" }, state.error) : null,
      state.result ? verdictView(state.result) : null),
  ];
}

// ─────────────────────────────── party ───────────────────────────────

async function pageParty(ctx, address) {
  if (!isAddress(address)) throw new Error(`'${address}': ${t("address")}?`);
  const page = (name) => Math.max(1, parseInt(ctx.query.get(name) || "1", 10) || 1);
  const rightsPage = page("rights");
  const listingsPage = page("listings");
  const assetsPage = page("assets");
  const approvalsPage = page("approvals");
  const withdrawnPage = page("withdrawn");
  const rightsOffset = (rightsPage - 1) * PARTY_PAGE_SIZE;
  const [participants, answer, registered, approvals, withdrawn] = await Promise.all([
    api("/v1/participants"),
    // One more than a page, to know whether there is a next one.
    api(`/v1/parties/${address}/rights${query({ limit: PARTY_PAGE_SIZE + 1, offset: rightsOffset })}`),
    api(`/v1/assets${query({ registrant: address, limit: SEARCH_PAGE_SIZE, offset: (assetsPage - 1) * SEARCH_PAGE_SIZE })}`),
    api(`/v1/listings/approvals${query({ holder: address, limit: SEARCH_PAGE_SIZE, offset: (approvalsPage - 1) * SEARCH_PAGE_SIZE })}`),
    api(`/v1/listings/withdrawn-consents${query({ holder: address, limit: SEARCH_PAGE_SIZE, offset: (withdrawnPage - 1) * SEARCH_PAGE_SIZE })}`),
  ]);
  setParticipants(participants);
  const info = participants.find((p) => p.account.toLowerCase() === address.toLowerCase()) || null;
  const listings = info && info.role === "exchange"
    ? await api(`/v1/listings${query({ exchange: address, limit: SEARCH_PAGE_SIZE, offset: (listingsPage - 1) * SEARCH_PAGE_SIZE })}`)
    : null;
  await loadNames([address, ...answer.flatMap((r) => [r.transferred_to, r.terms && r.terms.grantor]),
                   ...(listings ? listings.data.map((l) => l.holder) : []), ...approvals.data.map((a) => a.exchange)]);
  // An API without paging of a party's rights answers with all of them: page them here.
  const all = answer.length > PARTY_PAGE_SIZE + 1 ? answer.slice(rightsOffset) : answer;
  const rights = all.slice(0, PARTY_PAGE_SIZE);
  const hasNext = all.length > PARTY_PAGE_SIZE;
  const name = info ? info.name : partyName(address) || short(address, 10, 8);
  setTitle(name);
  const now = rights.filter((r) => r.holds_now);
  const before = rights.filter((r) => !r.holds_now);
  const current = { rights: rightsPage, listings: listingsPage, assets: assetsPage, approvals: approvalsPage,
                    withdrawn: withdrawnPage };
  const self = (params) => {
    const next = { ...current, ...params };
    return `/parties/${address}${query(Object.fromEntries(Object.entries(next).map(([k, v]) => [k, v > 1 ? v : ""])))}`;
  };
  const termsCell = (r) => (r.terms ? h("span",
    r.terms.purpose ? `${t("purpose")}: ${r.terms.purpose} · ` : "", `${t("granted_by")} `, partyLink(r.terms.grantor)) : "—");
  const rightsPager = rightsPage > 1 || hasNext ? h("nav", { class: "pager", "aria-label": t("pagination") },
    rightsPage > 1 ? h("a", { href: self({ rights: rightsPage - 1 }), class: "page", rel: "prev" }, `‹ ${t("prev_page")}`)
      : h("span", { class: "page disabled" }, `‹ ${t("prev_page")}`),
    h("span", { class: "page current" }, t("rows_range", { from: fmtNumber(rightsOffset + 1), to: fmtNumber(rightsOffset + rights.length) })),
    hasNext ? h("a", { href: self({ rights: rightsPage + 1 }), class: "page", rel: "next" }, `${t("next_page")} ›`)
      : h("span", { class: "page disabled" }, `${t("next_page")} ›`)) : null;
  return [
    h("header", { class: "asset-header" },
      h("p", { class: "eyebrow" }, t("party")),
      h("h1", name),
      h("p", { class: "asset-id" }, h("span", { class: "muted" }, `${t("address")} `),
        h("code", { class: "mono full" }, address), copyButton(address))),
    section(t("participant"), info ? facts([
      [t("name"), info.name],
      [t("role"), tv("role", info.role)],
      [t("status"), badge(tv("participant_status", info.status), info.status === "active" ? "ok" : "bad")],
      [t("block"), fmtNumber(info.added_block)],
      ...(info.requires_qualification || (info.qualifications || []).length ? [[t("active_in_role"),
        badge(info.active ? t("yes") : t("no"), info.active ? "ok" : "bad")]] : []),
    ]) : h("p", { class: "muted" }, t("not_participant"))),
    info ? qualificationsSection(info) : null,
    section(t("holds_now"), rightsPager, now.length ? table(
      [t("asset"), t("right"), t("status"), t("held_since"), t("details")],
      now.map((r) => [assetLink(r.asset_id, r.asset_name), rightLabel(r.right_index, r.kind),
        validityBadge(r.valid, r.status), time(r.held_since), termsCell(r)]), { className: "table holds-now" })
      : h("p", { class: "muted" }, t("no_rights_held"))),
    section(t("held_before"), before.length ? table(
      [t("asset"), t("right"), t("held_since"), t("held_until"), t("transferred_to")],
      before.map((r) => [assetLink(r.asset_id, r.asset_name), rightLabel(r.right_index, r.kind), time(r.held_since),
        time(r.held_until), partyLink(r.transferred_to)]), { className: "table held-before" })
      : h("p", { class: "muted" }, t("no_rights_held")), rightsPager ? rightsPager.cloneNode(true) : null),
    section(t("registered_assets"), registered.count ? [assetTable(registered.data),
      pager({ page: assetsPage, pages: Math.ceil(registered.count / SEARCH_PAGE_SIZE), href: (p) => self({ assets: p }),
              summary: t("total_count", { count: fmtNumber(registered.count) }) })]
      : h("p", { class: "muted" }, t("none"))),
    h("p", { class: "trades-link" }, `${t("trades_title")}: `,
      ...(info && info.role === "exchange" ? [h("a", { href: `/trades${query({ exchange: address })}` }, t("exchange")), " · "] : []),
      h("a", { href: `/trades${query({ seller: address })}` }, t("seller")), " · ",
      h("a", { href: `/trades${query({ buyer: address })}` }, t("buyer"))),
    listings ? section(t("exchange_listings"), listings.count ? [listingsTable(listings.data, { showAsset: true }),
      pager({ page: listingsPage, pages: Math.ceil(listings.count / SEARCH_PAGE_SIZE), href: (p) => self({ listings: p }),
              summary: t("total_count", { count: fmtNumber(listings.count) }) })]
      : h("p", { class: "muted" }, t("no_listings"))) : null,
    approvalsSection(approvals, approvalsPage, (p) => self({ approvals: p })),
    withdrawnConsentsSection(withdrawn, withdrawnPage, (p) => self({ withdrawn: p })),
  ];
}

const APPROVAL_KIND = { in_force: "ok", expired: "neutral", revoked: "bad", used: "neutral" };

/** The listings a holder approved by its own transaction (GET /v1/listings/approvals?holder=): where each stands
 * and until when; shown only for a party that approved any. */
function approvalsSection(approvals, page, href) {
  if (!approvals.count) return null;
  const ended = (a) => (a.status === "used" ? h("span", `${t("approval_used_by")} #${a.listing_id} · `, time(a.used_at))
    : a.status === "revoked" ? h("span", `${t("approval_revoked_at")} `, time(a.revoked_at), " ",
      h("code", { class: "mono", title: a.revoked_tx }, short(a.revoked_tx, 8, 6)))
    : h("span", { class: "muted" }, "—"));
  return section(t("listing_approvals"), h("p", { class: "muted" }, t("listing_approvals_intro")), table(
    [t("exchange"), t("asset"), t("status"), t("valid_until"), t("approval_given"), t("approval_ended"), t("consent_hash")],
    approvals.data.map((a) => [partyLink(a.exchange), assetLink(a.asset_id),
      h("span", { "data-approval-status": a.status }, badge(tv("approval_status", a.status), APPROVAL_KIND[a.status] || "neutral")),
      time(a.valid_until), txEvidence(a.approved_tx, a.approved_block, [[t("time"), time(a.approved_at)]]), ended(a),
      mono(a.consent_hash)]), { className: "table listing-approvals" }),
    pager({ page, pages: Math.ceil(approvals.count / SEARCH_PAGE_SIZE), href,
            summary: t("total_count", { count: fmtNumber(approvals.count) }) }));
}

/** The signed listing consents (their ids) a holder withdrew (GET /v1/listings/withdrawn-consents?holder=): no
 * exchange may list with them; shown only for a party that withdrew any. */
function withdrawnConsentsSection(withdrawn, page, href) {
  if (!withdrawn.count) return null;
  return section(t("withdrawn_consents"), h("p", { class: "muted" }, t("withdrawn_consents_intro")), table(
    [t("consent_id"), t("withdrawn_at"), t("withdrawal"), t("details")],
    withdrawn.data.map((w) => [h("code", { class: "mono full" }, w.consent_id), time(w.withdrawn_at),
      txEvidence(w.withdrawn_tx, w.withdrawn_block),
      w.listing_id !== null ? t("consent_used_before", { listing: w.listing_id }) : h("span", { class: "muted" }, "—")]),
    { className: "table withdrawn-consents" }),
    pager({ page, pages: Math.ceil(withdrawn.count / SEARCH_PAGE_SIZE), href,
            summary: t("total_count", { count: fmtNumber(withdrawn.count) }) }));
}

/** A participant's qualification records (资质), the current one first. */
function qualificationsSection(info) {
  const records = info.qualifications || [];
  if (!records.length && !info.requires_qualification) return null;
  return section(t("qualifications"), records.length ? table(
    [t("qualification_kind"), t("qualification_issuer"), t("qualification_number"), t("qualification_scope"),
     t("valid_from"), t("valid_until"), t("status"), t("qualification_document")],
    records.map((q) => [
      tv("qualification_kind", q.kind), q.issuer, h("code", q.number), q.scope || "—",
      q.valid_from ? time(q.valid_from) : "—", q.valid_until ? time(q.valid_until) : t("no_end"),
      h("span", validityBadge(q.status === "valid", q.status, "qualification_status"),
        q.revocation_reason ? ` ${reasonText(q.revocation_reason)}` : null),
      cidLink(q.document_cid),
    ]), { className: "table qualifications" })
    : h("p", { class: "muted" }, t("no_qualifications")));
}

// ─────────────────────────────── trades (交易存证) ───────────────────────────────

function settlementBadge(status) {
  const kind = status === "settled" ? "ok" : status === "pending" ? "neutral" : "bad";
  return badge(tv("settlement_status", status), kind);
}

function priceText(trade) {
  return trade.price_amount !== null ? money(trade.price_amount, trade.currency)
    : h("span", { class: "muted", title: trade.price_hash || "" }, t("price_confidential"));
}

function tradeHref(trade) {
  return `/trades/${enc(trade.exchange)}/${enc(trade.number)}`;
}

function tradesTable(trades, { showAsset = true } = {}) {
  const headers = [t("trade_number"), ...(showAsset ? [t("asset")] : []), t("exchange"), t("seller"), t("buyer"),
    t("price"), t("settlement"), t("recorded_at")];
  return table(headers, trades.map((trade) => [
    h("a", { href: tradeHref(trade), class: "mono" }, trade.number),
    ...(showAsset ? [assetLink(trade.asset_id)] : []),
    partyLink(trade.exchange), partyLink(trade.seller), partyLink(trade.buyer), priceText(trade),
    settlementBadge(trade.settlement), time(trade.recorded_at),
  ]), { className: "table trades" });
}

/** Every trade, or those of one exchange, buyer, seller or asset (?exchange= &buyer= &seller= &asset=), paged. */
async function pageTrades(ctx) {
  const filters = Object.fromEntries(["exchange", "buyer", "seller", "asset"].map((k) => [k, ctx.query.get(k) || ""]));
  const page = Math.max(1, Math.floor(Number(ctx.query.get("page"))) || 1);
  const [participants, trades] = await Promise.all([
    api("/v1/participants"),
    api(`/v1/trades${query({ ...filters, limit: SEARCH_PAGE_SIZE, offset: (page - 1) * SEARCH_PAGE_SIZE })}`),
  ]);
  setParticipants(participants);
  await loadNames(trades.data.flatMap((trade) => [trade.seller, trade.buyer]));
  setTitle(t("trades_title"));
  const active = Object.entries(filters).filter(([, v]) => v);
  return [
    h("h1", t("trades_title")),
    h("p", { class: "muted" }, t("trades_intro")),
    active.length ? h("p", { class: "filters" }, `${t("filtered_by")} `,
      ...active.map(([k, v]) => h("span", { class: "filter" }, `${t(k)}: `,
        k === "asset" ? assetLink(v) : partyLink(v))), " ", h("a", { href: "/trades" }, t("clear_filters"))) : null,
    section(t("trades_title"), trades.count ? [tradesTable(trades.data),
      pager({ page, pages: Math.ceil(trades.count / SEARCH_PAGE_SIZE), href: (p) => `/trades${query({ ...filters, page: p > 1 ? p : "" })}`,
              summary: t("total_count", { count: fmtNumber(trades.count) }) })]
      : h("p", { class: "muted" }, t("no_trades"))),
  ];
}

/** One trade by its exchange and certificate number: parties, price, contract, delivery, settlement, evidence. */
async function pageTrade(ctx, exchange, number) {
  const [participants, trade] = await Promise.all([
    api("/v1/participants"),
    api(`/v1/trades/${enc(exchange)}/${enc(number)}`),
  ]);
  setParticipants(participants);
  await loadNames([trade.seller, trade.buyer]);
  setTitle(trade.number);
  return [
    h("header", { class: "asset-header" },
      h("p", { class: "eyebrow" }, t("trade")),
      h("h1", { class: "mono" }, trade.number),
      h("p", settlementBadge(trade.settlement))),
    section(t("trade"), facts([
      [t("trade_number"), h("code", { class: "mono" }, trade.number)],
      [t("exchange"), partyLink(trade.exchange)],
      [t("asset"), assetLink(trade.asset_id)],
      [t("listing"), `#${trade.listing_id}`],
      [t("seller"), partyLink(trade.seller)],
      [t("buyer"), partyLink(trade.buyer)],
      [t("buyers_right"), h("a", { href: `/assets/${enc(trade.asset_id)}` }, `#${trade.right_index}`),
        ` (${t("granted_from")} #${trade.parent_index})`],
      [t("price"), priceText(trade)],
      ...(trade.price_hash ? [[t("price_commitment"), mono(trade.price_hash, { full: true })]] : []),
      [t("contract_document"), trade.contract_cid ? cidLink(trade.contract_cid) : "—"],
      [t("delivery_evidence"), trade.delivery_cid ? cidLink(trade.delivery_cid) : t("none")],
      [t("settlement"), settlementBadge(trade.settlement)],
      [t("recorded_at"), time(trade.recorded_at)],
      [t("block"), fmtNumber(trade.recorded_block)],
      [t("transaction"), mono(trade.recorded_tx, { full: true })],
    ])),
    h("p", h("a", { href: `/trades${query({ asset: trade.asset_id })}` }, t("trades_of_asset")), " · ",
      h("a", { href: `/assets/${enc(trade.asset_id)}/history` }, t("asset_history"))),
  ];
}

// ─────────────────────────────── status ───────────────────────────────

async function pageStatus(ctx) {
  const status = await api("/v1/status");
  chainInfo = status;
  setTitle(t("status_title"));
  refreshTimer = setInterval(() => {
    if (!ctx.stale() && location.pathname === "/status" && !document.hidden) route({ focus: false });
  }, 5000);
  const lagKind = status.lag_blocks === null ? "bad" : status.lag_blocks > 5 ? "warn" : "ok";
  return [
    h("h1", t("status_title")),
    h("div", { class: "grid-2" },
      section(t("status_title"), facts([
        [t("chain_id"), String(status.chain_id)],
        [t("rpc_reachable"), status.rpc_reachable ? badge(t("reachable"), "ok") : badge(t("unreachable"), "bad")],
        [t("head_block"), status.head_block === null ? null : fmtNumber(status.head_block)],
        [t("indexed_block"), status.indexed_block === null ? null : fmtNumber(status.indexed_block)],
        [t("lag_blocks"), status.lag_blocks === null ? null : badge(fmtNumber(status.lag_blocks), lagKind)],
        [t("indexer_updated_at"), time(status.indexer_updated_at)],
        [t("block_hash"), status.indexed_block_hash ? h("code", { class: "mono full" }, status.indexed_block_hash) : null],
        [t("deploy_block"), fmtNumber(status.deploy_block)],
        [t("database"), status.database],
        [t("content_store"), status.content_store],
      ]), h("p", { class: "muted no-print" }, t("auto_refresh"))),
      section(t("contracts"), table([t("name"), t("address")], Object.entries(status.contracts).map(([name, address]) =>
        [name, h("code", { class: "mono full" }, address)])))),
  ];
}

// ─────────────────────────────── recognised registries (一地登记、全国共享) ───────────────────────────────

async function pageRecognitions() {
  const rows = await api("/v1/recognitions");
  setTitle(t("recognitions_title"));
  return [
    h("h1", t("recognitions_title")),
    h("p", { class: "muted" }, t("recognitions_intro")),
    section(t("recognitions_title"), rows.length ? table(
      [t("registry_name"), t("region"), t("chain_id"), t("contracts"), t("recognition_status"), t("recognised_since"),
       t("recognition_endpoint")],
      rows.map((r) => [
        h("span", { class: "registry-name" }, r.name),
        r.region,
        String(r.chain_id),
        h("div", {}, ...Object.entries(r.contracts).map(([name, address]) =>
          h("div", {}, `${name} `, h("code", { class: "mono full" }, address)))),
        r.status === "recognised" ? badge(lang() === "zh" ? r.status_zh : r.status, "ok")
          : h("span", {}, badge(lang() === "zh" ? r.status_zh : r.status, "bad"),
            r.withdrawal_reason ? ` ${lang() === "zh" ? r.withdrawal_reason.zh : r.withdrawal_reason.en}` : ""),
        time(unixTime(r.recognised_at)),
        r.status !== "recognised" ? "—" : r.endpoint_configured ? yesNo(true) : badge(t("endpoint_missing"), "warn"),
      ]), { className: "table recognitions" })
      : h("p", { class: "muted", id: "recognitions-none" }, t("recognitions_none"))),
  ];
}

// ─────────────────────────── public-data authorised operation (公共数据授权运营, issue 21) ───────────────────────────

/** An authorisation's (or a licence's) standing: green in force, red otherwise with the reason's label, and for a
 * revocation the authority's reason code as the API labels it. */
function authorisationStatus(status, revocationReason) {
  if (status === "in_force") return h("span", { class: "authorisation-status", "data-status": status },
    badge(tv("authorisation_status", status), "ok"));
  return h("span", { class: "authorisation-status", "data-status": status },
    badge(tv("authorisation_status", status), "bad"),
    revocationReason ? h("span", { class: "revocation-reason" }, ` ${reasonText(revocationReason)}`) : null);
}

function authorisationTerm(a) {
  // No start on chain: in force from the grant.
  const from = a.valid_from || a.granted_at;
  return h("span", { class: "term" }, from ? time(from) : "—", " – ",
    a.valid_until ? time(a.valid_until) : t("no_fixed_end"));
}

/** Every public-data authorisation (?authority= &operator=), paged. */
async function pageAuthorisations(ctx) {
  const filters = Object.fromEntries(["authority", "operator"].map((k) => [k, ctx.query.get(k) || ""]));
  const page = Math.max(1, Math.floor(Number(ctx.query.get("page"))) || 1);
  const [participants, list] = await Promise.all([
    api("/v1/participants"),
    api(`/v1/authorisations${query({ ...filters, limit: SEARCH_PAGE_SIZE, offset: (page - 1) * SEARCH_PAGE_SIZE })}`),
  ]);
  setParticipants(participants);
  await loadNames(list.data.flatMap((a) => [a.authority, a.operator]));
  setTitle(t("authorisations_title"));
  const active = Object.entries(filters).filter(([, v]) => v);
  return [
    h("h1", t("authorisations_title")),
    h("p", { class: "muted" }, t("authorisations_intro")),
    active.length ? h("p", { class: "filters" }, `${t("filtered_by")} `,
      ...active.map(([k, v]) => h("span", { class: "filter" }, `${t(k)}: `, partyLink(v))), " ",
      h("a", { href: "/authorisations" }, t("clear_filters"))) : null,
    section(t("authorisations_title"), list.count ? [table(
      ["#", t("authority"), t("operator"), t("scenarios"), t("term"), t("status")],
      list.data.map((a) => [
        h("a", { href: `/authorisations/${a.authorisation_id}` }, `#${a.authorisation_id}`),
        partyLink(a.authority), partyLink(a.operator), a.scenarios.join("、"), authorisationTerm(a),
        authorisationStatus(a.status, a.revocation_reason),
      ]), { className: "table authorisations" }),
    pager({ page, pages: Math.ceil(list.count / SEARCH_PAGE_SIZE),
            href: (p) => `/authorisations${query({ ...filters, page: p > 1 ? p : "" })}`,
            summary: t("total_count", { count: fmtNumber(list.count) }) })]
      : h("p", { class: "muted", id: "authorisations-none" }, t("no_authorisations"))),
  ];
}

/** One authorisation: its terms and standing, the scenarios and their approval, the second-level licences, and the
 * assets bound or derived under it with their rights' and listings' standing (the first 100 assets). */
async function pageAuthorisation(ctx, id) {
  const [participants, a, covered] = await Promise.all([
    api("/v1/participants"),
    api(`/v1/authorisations/${enc(id)}`),
    api(`/v1/authorisations/${enc(id)}/assets${query({ limit: 100 })}`),
  ]);
  setParticipants(participants);
  await loadNames([a.authority, a.operator, ...a.licences.map((l) => l.licensee)]);
  setTitle(`${t("authorisation")} #${a.authorisation_id}`);
  const listings = covered.data.flatMap((c) => c.listings.map((l) => ({ ...l, asset_id: c.asset_id, name: c.name })));
  return [
    h("header", { class: "asset-header" },
      h("p", { class: "eyebrow" }, t("authorisation")),
      h("h1", `${t("authorisation")} #${a.authorisation_id}`),
      h("p", { class: "badges" }, authorisationStatus(a.status, a.revocation_reason))),
    section(t("authorisation"), facts([
      [t("authority"), partyLink(a.authority, { full: true })],
      [t("operator"), partyLink(a.operator, { full: true })],
      [t("scenarios"), a.scenarios.join("、")],
      [t("term"), authorisationTerm(a)],
      [t("catalogue"), h("span", cidLink(a.catalogue_cid), ` · ${t("catalogue_entries", { count: a.catalogue_entries })}`)],
      [t("conditions"), a.conditions_cid ? cidLink(a.conditions_cid) : undefined],
      [t("status"), authorisationStatus(a.status, a.revocation_reason)],
      [t("revocation_reason"), a.revocation_reason ? reasonText(a.revocation_reason) : undefined],
      [t("revocation_evidence"), a.revocation_evidence_cid ? cidLink(a.revocation_evidence_cid) : undefined],
      [t("revoked_at"), a.revoked_at ? time(a.revoked_at) : undefined],
      [t("granted_at"), time(a.granted_at)],
      [t("transaction"), mono(a.granted_tx, { full: true })],
    ])),
    section(t("approved_scenarios"), a.approved_scenarios.length ? table(
      [t("scenario"), t("approval"), t("approval_document"), t("approved_at")],
      a.approved_scenarios.map((s) => [s.scenario,
        s.approved ? badge(t("scenario_approved"), "ok") : badge(t("scenario_pending"), "warn"),
        s.approval_cid ? cidLink(s.approval_cid) : "—", time(s.approved_at)]), { className: "table scenarios" })
      : h("p", { class: "muted" }, t("no_approved_scenarios"))),
    section(t("licences"), a.licences.length ? table(
      [t("licensee"), t("scenarios"), t("valid_until"), t("terms"), t("status"), t("granted_at")],
      a.licences.map((l) => [partyLink(l.licensee), l.scenarios.join("、"),
        l.valid_until ? time(l.valid_until) : t("no_fixed_end"), l.terms_cid ? cidLink(l.terms_cid) : "—",
        authorisationStatus(l.in_force ? "in_force" : l.reason, l.revocation_reason), time(l.granted_at)]),
      { className: "table licences" }) : h("p", { class: "muted" }, t("no_licences"))),
    section(t("authorised_assets"), covered.count ? table(
      [t("asset"), t("asset_origin"), t("registrant"), t("rights")],
      covered.data.map((c) => [assetLink(c.asset_id, c.name),
        c.derived ? t("asset_derived_under") : t("asset_bound"), partyLink(c.registrant),
        c.rights.length ? h("ul", { class: "plain" }, c.rights.map((r) => h("li", `#${r.right_index} `,
          partyLink(r.holder), " ", validityBadge(r.valid, r.reason)))) : "—"]),
      { className: "table authorised-assets" }) : h("p", { class: "muted" }, t("no_authorised_assets"))),
    section(t("listings"), listings.length ? table(
      ["#", t("asset"), t("exchange"), t("validity")],
      listings.map((l) => [`#${l.listing_id}`, assetLink(l.asset_id, l.name), partyLink(l.exchange),
        validityBadge(l.valid, l.invalid_reason, "listing_reason")]), { className: "table authorised-listings" })
      : h("p", { class: "muted" }, t("no_listings"))),
  ];
}

/** On the asset page: the public-data authorisation the asset is bound or derived under, and whether it lapsed. */
function publicDataSection(asset) {
  const p = asset.public_data;
  if (!p) return null;
  return h("div", { id: "public-data" }, section(t("public_data"), facts([
    [t("authorisation"), h("a", { href: `/authorisations/${p.authorisation_id}` }, `#${p.authorisation_id}`)],
    [t("authority"), p.authority ? partyLink(p.authority) : undefined],
    [t("operator"), p.operator ? partyLink(p.operator) : undefined],
    [t("valid_until"), p.authority ? (p.valid_until ? time(p.valid_until) : t("no_fixed_end")) : undefined],
    [t("status"), authorisationStatus(p.status, p.revocation_reason)],
    [t("revoked_at"), p.revoked_at ? time(p.revoked_at) : undefined],
  ]), p.in_force ? null : h("p", { class: "lapsed-note" }, t("public_data_lapsed"))));
}

// ─────────────────────────────── a certificate's verification ───────────────────────────────

const BEIJING_PARTS = { ...{ year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
                                second: "2-digit", hourCycle: "h23" }, timeZone: "Asia/Shanghai" };

/** A certificate's time as it prints it: Beijing time, whatever the reader's zone. */
function beijingTime(iso) {
  if (!iso) return h("span", { class: "muted" }, "—");
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h("span", iso);
  const p = Object.fromEntries(new Intl.DateTimeFormat("en-GB", BEIJING_PARTS).formatToParts(date)
    .map((part) => [part.type, part.value]));
  return h("time", { datetime: iso, title: iso },
    `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${t("beijing_time")}`);
}

/** The page a certificate's QR code opens (/verify/NUMBER, or /verify/ASSET_ID): the certificate as the registry
 * holds it now, its status first, coloured green only for a valid certificate without remarks. */
async function pageCertificate(ctx, ref) {
  const reference = ref.trim();
  setTitle(`${t("cert_verify_title")} ${reference}`);
  let assetId = null;
  if (classify(reference) === "certificate") {
    const found = await api(`/v1/registrations?certificate=${enc(reference)}`);
    assetId = found.length ? found[0].asset_id : null;
  } else if (/^0x[0-9a-fA-F]{64}$/.test(reference)) {
    assetId = reference.toLowerCase();
  }
  const cert = assetId ? await api(`/v1/assets/${assetId}/certificate`).catch(notFoundIsNull) : null;
  const heading = h("h1", t("cert_verify_title"));
  if (!cert) {
    return [heading, h("div", { class: "verdict verdict-ended", id: "certificate-verdict", role: "status",
                               "data-status": "not_found" },
      h("strong", { class: "verdict-title" }, `✗ ${t("cert_not_found", { ref: reference.toUpperCase() })}`))];
  }
  addNames(Object.fromEntries(cert.holders.filter((x) => x.name).map((x) => [x.address, { name: x.name }])));
  const remarks = cert.remark_lines.map((r) => r.text);
  // Coloured by the asset's one legal status: a tick only for a certificate in force with no remark.
  const legal = cert.legal_status;
  const kind = verdictClass(legal, true);
  const symbol = { "verdict-yes": "✓", "verdict-pending": "…", "verdict-limited": "!", "verdict-ended": "✗" }[kind];
  const statusText = legal
    ? [tv("legal_status", legal.status), ...legal.remarks.map((r) => tv("remark", r.type))].join(" · ")
    : tv("certificate_status", cert.status);
  const ev = cert.evidence;
  return [
    heading,
    h("p", { class: "lead" }, t("cert_verify_intro")),
    h("div", { class: ["verdict", kind], id: "certificate-verdict", role: "status", "data-status": cert.status,
               "data-legal-status": legal ? legal.status : null },
      h("strong", { class: "verdict-title" }, `${symbol} ${t("cert_status_is", { status: statusText })}`),
      h("span", { class: "cert-number" }, `${t("certificate_number")} ${cert.certificate_number}`),
      remarks.length ? h("div", { id: "certificate-remarks" }, t("cert_has_remarks", { remarks: remarks.join("; ") }))
        : null),
    section(t("cert_section"), facts([
      [t("certificate_number"), h("strong", cert.certificate_number)],
      [t("legal_status"), legalBadges(legal)],
      [t("certificate_status"), tv("certificate_status", cert.status)],
      [t("data_name"), cert.data_name],
      [t("cert_fingerprint"), h("span", h("code", { class: "mono full" }, cert.fingerprint.sha256),
        cert.fingerprint.cid ? h("span", h("br"), h("code", { class: "mono full" }, cert.fingerprint.cid)) : null)],
      [t("version"), String(cert.version)],
      [t("industry"), [cert.industry, cert.industry_name].filter(Boolean).join(" ")],
      [t("summary"), cert.summary],
      [t("holder"), partyLink(cert.holder, { full: true })],
      [t("registrar"), partyLink(cert.registrar, { full: true })],
      [t("registered_at"), beijingTime(cert.registered_at)],
      [t("valid_until_cert"), beijingTime(cert.valid_until)],
      [t("remarks"), remarks.length ? h("ul", { class: "plain" }, remarks.map((r) => h("li", r))) : t("none")],
    ])),
    section(t("cert_holders"), table(
      [t("right"), t("holder"), t("credit_code"), t("right_term"), t("right_limits"), t("status")],
      cert.holders.map((x) => [
        tv("kind", x.kind) || x.kind_zh,
        partyLink(x.address),
        x.credit_code || "—",
        x.valid_from || x.valid_until ? h("span", x.valid_from ? beijingTime(x.valid_from) : "—", " – ",
          x.valid_until ? beijingTime(x.valid_until) : t("no_limit")) : (x.term || t("no_limit")),
        x.limits || "—",
        validityBadge(x.valid, x.invalid_reason),
      ]), { className: "table certificate-holders" })),
    section(t("evidence"), ev ? facts([
      [t("chain_id"), String(ev.chain_id)],
      [t("contract"), h("code", { class: "mono full" }, ev.contract)],
      [t("event"), ev.event],
      [t("tx_hash"), h("span", h("code", { class: "mono full" }, ev.tx_hash), copyButton(ev.tx_hash))],
      [t("block"), fmtNumber(ev.block_number)],
      [t("log_index"), String(ev.log_index)],
      [t("time"), beijingTime(ev.timestamp)],
    ]) : h("p", { class: "muted" }, t("none"))),
    h("p", { class: "toolbar no-print" },
      h("a", { href: `/assets/${cert.asset_id}`, class: "button-link" }, t("open_asset")), " ",
      h("a", { href: `/v1/assets/${cert.asset_id}/certificate?format=html`, target: "_blank", rel: "noopener",
               class: "button-link" }, t("open_certificate")), " ",
      h("a", { href: `/v1/assets/${cert.asset_id}/certificate?format=pdf`, target: "_blank", rel: "noopener",
               class: "button-link", id: "certificate-pdf" }, t("open_certificate_pdf"))),
  ];
}

// ─────────────────────────────── start ───────────────────────────────

async function start() {
  renderChrome();
  const [participants, status, vocabulary] = await Promise.all([
    api("/v1/participants").catch(() => []),
    api("/v1/status").catch(() => null),
    api("/v1/vocabulary").catch(() => ({})),
  ]);
  setVocabulary(vocabulary);
  setParticipants(participants);
  chainInfo = status;
  renderChrome();
  await route();
  document.documentElement.dataset.ready = "true";
}

// Printing shows every piece of evidence, not only the ones opened.
window.addEventListener("beforeprint", () => {
  for (const details of document.querySelectorAll("details.evidence:not([open])")) {
    details.dataset.printOpened = "true";
    details.open = true;
  }
});
window.addEventListener("afterprint", () => {
  for (const details of document.querySelectorAll("details[data-print-opened]")) {
    details.open = false;
    delete details.dataset.printOpened;
  }
});

start();
