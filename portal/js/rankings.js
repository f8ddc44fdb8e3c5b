// 排行榜: departments by performance-evaluation score for a period (GET /public/rankings?period=),
// with the cut-off date, whether the figures are final and the scoring standard's version; below it
// the city's on-time and early-completion rates by month (GET /public/trend, an SVG chart).
import { call, problem } from "./api.js";
import { lang, t } from "./i18n.js";
import { announce, day, field, h, notice, percent, rateClass, show, zhText } from "./ui.js";

const TREND = "/public/trend";
const PERIOD = /^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$/;
const KEEP_MS = 60000; // an answer is shown again (say after a language switch) for a minute

let view = null; // {select, region, ticket}
const answers = new Map(); // period asked ("" = the API's default) -> {at, data}
let trendText = null; // the chart's own description (a promise), fetched once per visit

export const title = () => t("rankings.title");

// -- periods: a month "2026-11", a quarter "2026-Q4" or a year "2026", in the city's calendar -----

const pad = (n) => String(n).padStart(2, "0");

/** Today in Beijing time, whatever the reader's zone: {y, m}. */
function today() {
  const [y, m] = day(new Date().toISOString()).split("-").map(Number);
  return { y, m };
}

/** The four periods the selector offers, computed from today's date. */
function choices() {
  const { y, m } = today();
  return [
    ["this_month", `${y}-${pad(m)}`],
    ["last_month", m === 1 ? `${y - 1}-12` : `${y}-${pad(m - 1)}`],
    ["this_quarter", `${y}-Q${Math.ceil(m / 3)}`],
    ["this_year", String(y)],
  ];
}

/** "2026年11月" / "November 2026", "2026年第4季度" / "Q4 2026", "2026年" / "2026". */
function periodName(period) {
  const text = String(period ?? "");
  let m = /^(\d{4})-(\d{2})$/.exec(text);
  if (m) {
    const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 15));
    return new Intl.DateTimeFormat(lang(), { year: "numeric", month: "long", timeZone: "UTC" }).format(date);
  }
  m = /^(\d{4})-Q([1-4])$/.exec(text);
  if (m) return t("period.quarter", { y: m[1], q: m[2] });
  if (/^\d{4}$/.test(text)) return t("period.year", { y: text });
  return text;
}

/** Make sure the selector can show `period` (one given in the address may not be among the four). */
function offer(select, period) {
  if (!period || [...select.options].some((o) => o.value === period)) return;
  select.append(h("option", { value: period }, periodName(period)));
}

// -- the page ---------------------------------------------------------------------------------------

export function render(main, params) {
  const select = h("select", { name: "period" });
  for (const [key, period] of choices()) {
    select.append(h("option", { value: period }, t(`rankings.${key}`, { p: periodName(period) })));
  }
  const form = h(
    "form",
    {
      class: "search two card",
      onsubmit(event) {
        event.preventDefault();
        const target = `#/rankings?period=${encodeURIComponent(select.value)}`;
        if (location.hash === target) update(new URLSearchParams({ period: select.value }));
        else location.hash = target;
      },
    },
    field({ label: t("rankings.period"), control: select, error: false }),
    h("div", { class: "field" }, h("button", { type: "submit", class: "primary" }, t("rankings.go"))),
  );
  const region = h("div", { id: "rankings-result", "aria-busy": "true" });
  main.append(
    h("h1", { id: "page-title", tabindex: "-1" }, t("rankings.title")),
    h("p", { class: "lead" }, t("rankings.lead")),
    form,
    region,
    trendFigure(),
  );
  view = { select, region, ticket: 0 };
  load(params, false);
}

/** The address changed while the page is shown (another period chosen). */
export function update(params) {
  if (view) load(params, true);
}

async function load(params, tell) {
  const { select, region } = view;
  const wanted = params.get("period") || "";
  const asked = PERIOD.test(wanted) ? wanted : "";
  offer(select, asked);
  if (asked) select.value = asked;
  const ticket = ++view.ticket;
  region.setAttribute("aria-busy", "true");
  show(region, h("p", { class: "loading" }, t("loading")));
  let data;
  try {
    data = await rankings(asked);
  } catch (error) {
    if (ticket !== view.ticket) return;
    show(region, notice("bad", error.message));
    region.setAttribute("aria-busy", "false");
    return;
  }
  if (ticket !== view.ticket) return; // a later choice is on its way
  if (!asked && data.period) {
    offer(select, data.period);
    select.value = data.period;
  }
  show(region, result(data));
  region.setAttribute("aria-busy", "false");
  if (tell) {
    announce(t("rankings.shown", { period: periodName(data.period), n: (data.departments || []).length }));
  }
}

async function rankings(period) {
  const kept = answers.get(period);
  if (kept && Date.now() - kept.at < KEEP_MS) return kept.data;
  const result = await call("GET", period ? `/public/rankings?period=${encodeURIComponent(period)}` : "/public/rankings");
  if (!result.ok || !result.data) throw new Error(problem(result));
  answers.set(period, { at: Date.now(), data: result.data });
  return result.data;
}

// -- the table --------------------------------------------------------------------------------------

/** What the figures are: cut-off date, final or not, scoring standard, average, who is not ranked. */
function facts(data) {
  const versions = (data.standard_versions || []).join(lang() === "en" ? ", " : "、") || "—";
  const final = data.final === true;
  const lines = [
    [
      t("rankings.cut_off", { date: day(data.cut_off || data.as_of) }),
      " ",
      h("span", { class: `tag ${final ? "good" : "mid"}` }, t(final ? "rankings.final" : "rankings.provisional")),
    ],
    [t("rankings.standard", { v: versions })],
  ];
  if (data.average !== null && data.average !== undefined) {
    lines.push([t("rankings.average", { avg: score(data.average) })]);
  }
  lines.push([t("rankings.hidden", { min: data.min_cases ?? "—", n: data.hidden ?? 0 })]);
  return lines.map((parts) => h("span", { class: "fact" }, parts));
}

function result(data) {
  const rows = [...(data.departments || [])].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
  const heading = t("rankings.caption", { period: periodName(data.period) });
  if (!rows.length) {
    return [
      h("div", { class: "card facts-box" }, h("h2", {}, heading), h("p", {}, facts(data))),
      notice("warn", t("rankings.none")),
    ];
  }
  const table = h(
    "table",
    { class: "ranking" },
    h("caption", {}, h("span", { class: "caption-body" }, h("strong", { class: "fact" }, heading), facts(data))),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("rankings.rank")),
        h("th", { scope: "col" }, t("rankings.dept")),
        h("th", { scope: "col" }, t("rankings.score")),
        h("th", { scope: "col" }, t("rankings.change")),
        short("concluded"),
        short("on_time"),
        short("early"),
        h("th", { scope: "col" }, h("span", { class: "card-mark yellow" }), h("span", { class: "wide-only" }, t("rankings.yellow"))),
        h("th", { scope: "col" }, h("span", { class: "card-mark red" }), h("span", { class: "wide-only" }, t("rankings.red"))),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((d) => {
        const onTime = onTimeRate(d);
        return h(
          "tr",
          {},
          h("td", {}, d.rank ?? "—"),
          h("th", { scope: "row" }, zhText(d.dept_name || d.dept_code)),
          h("td", { class: "score" }, score(d.total)),
          change(d.change),
          h("td", {}, amount(d.concluded)),
          h("td", {}, percent(onTime) === null ? "—" : h("span", { class: `tag ${rateClass(onTime)}` }, percent(onTime))),
          h("td", {}, percent(d.early_rate) ?? "—"),
          cards(d.yellow_cards, "yellow"),
          cards(d.red_cards, "red"),
        );
      }),
    ),
  );
  return h("div", { class: "table-wrap", role: "region", "aria-label": heading, tabindex: "0" }, table);
}

/** A column header that a phone shows in short; screen readers always hear the full words. */
function short(name) {
  return h(
    "th",
    { scope: "col" },
    h("span", { class: "narrow-only", "aria-hidden": "true" }, t(`rankings.${name}_short`)),
    h("span", { class: "wide-only" }, t(`rankings.${name}`)),
  );
}

function score(value) {
  return value === null || value === undefined || Number.isNaN(Number(value)) ? "—" : Number(value).toFixed(2);
}

function amount(value) {
  const n = Number(value) || 0;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** The rate as given; for a quarter or a year (where the API may leave it out) on time / concluded. */
function onTimeRate(d) {
  if (d.on_time_rate !== null && d.on_time_rate !== undefined) return d.on_time_rate;
  const all = Number(d.concluded);
  return all > 0 ? Number(d.on_time) / all : null;
}

/** ▲ +2.50 / ▼ −1.25 against the previous period, or — when there is nothing to compare with. */
function change(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) {
    return h(
      "td",
      { class: "zero" },
      h("span", { "aria-hidden": "true" }, "—"),
      h("span", { class: "visually-hidden" }, t("rankings.no_previous")),
    );
  }
  const n = Number(value);
  if (n === 0) return h("td", { class: "zero" }, "0.00");
  const up = n > 0;
  return h(
    "td",
    { class: up ? "up" : "down" },
    h("span", { class: "arrow", "aria-hidden": "true" }, up ? "▲" : "▼"),
    `${up ? "+" : "−"}${Math.abs(n).toFixed(2)}`,
  );
}

function cards(n, kind) {
  const value = Number(n) || 0;
  return h("td", { class: value === 0 ? "zero" : kind === "red" ? "red" : "" }, amount(value));
}

// -- the trend chart --------------------------------------------------------------------------------

function trendFigure() {
  const text = h("span", { class: "chart-text" });
  const img = h("img", { class: "chart", width: "720", height: "360", alt: t("rankings.trend_alt") });
  const figure = h(
    "figure",
    { class: "card chart-box", "aria-labelledby": "trend-title" },
    h("h2", { id: "trend-title" }, t("rankings.trend")),
    img,
    h("figcaption", {}, t("rankings.trend_note"), " ", text),
  );
  trend(img, text);
  return figure;
}

/** The chart's own summary (its <desc>: lowest, highest and latest rate of each line) as text beside
 * it; read first, so that the image then comes from the browser's cache. */
async function trend(img, text) {
  if (!trendText) trendText = describe();
  try {
    const summary = await trendText;
    if (summary) text.replaceChildren(zhText(summary));
  } catch {
    trendText = null;
    img.replaceWith(notice("warn", t("rankings.trend_failed")));
    return;
  }
  img.addEventListener("error", () => img.replaceWith(notice("warn", t("rankings.trend_failed"))), { once: true });
  img.src = TREND;
}

async function describe() {
  const response = await fetch(TREND); // credentials as for the <img>, so that it reads the same cache entry
  if (!response.ok) throw new Error(String(response.status));
  const svg = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
  const desc = svg.querySelector("desc");
  return desc ? desc.textContent.trim() : "";
}
