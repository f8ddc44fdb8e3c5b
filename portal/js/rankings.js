// 排行榜: departments by on-time rate, with their warnings and cards (GET /public/rankings).
import { call, problem } from "./api.js";
import { t } from "./i18n.js";
import { h, notice, percent, rateClass, show, when, zhText } from "./ui.js";

export const title = () => t("rankings.title");

export function render(main) {
  const region = h("div", { id: "rankings-result", "aria-busy": "true" }, h("p", { class: "loading" }, t("loading")));
  main.append(
    h("h1", { id: "page-title", tabindex: "-1" }, t("rankings.title")),
    h("p", { class: "lead" }, t("rankings.lead")),
    region,
  );
  load(region);
}

async function load(region) {
  try {
    const result = await call("GET", "/public/rankings");
    if (!result.ok || !result.data) throw new Error(problem(result));
    show(region, view(result.data));
  } catch (error) {
    show(region, notice("bad", error.message));
  } finally {
    region.setAttribute("aria-busy", "false");
  }
}

function count(n, kind) {
  const value = Number(n) || 0;
  return h("td", { class: value === 0 ? "zero" : kind === "red" ? "red" : "" }, String(value));
}

function view(data) {
  const rows = [...(data.departments || [])].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
  const head = h(
    "p",
    {},
    h("strong", {}, t("rankings.as_of", { date: when(data.as_of) })),
    h("br"),
    t("rankings.hidden", { min: data.min_cases ?? "—", n: data.hidden ?? 0 }),
  );
  if (!rows.length) return [head, notice("warn", t("rankings.none"))];
  const table = h(
    "table",
    {},
    h("caption", {}, t("rankings.caption")),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("rankings.rank")),
        h("th", { scope: "col" }, t("rankings.dept")),
        h("th", { scope: "col" }, t("rankings.rate")),
        h("th", { scope: "col" }, t("rankings.warnings")),
        h("th", { scope: "col" }, h("span", { class: "card-mark yellow" }), h("span", { class: "wide-only" }, t("rankings.yellow"))),
        h("th", { scope: "col" }, h("span", { class: "card-mark red" }), h("span", { class: "wide-only" }, t("rankings.red"))),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((d) =>
        h(
          "tr",
          {},
          h("td", {}, d.rank ?? "—"),
          h("th", { scope: "row" }, zhText(d.dept_name || d.dept_code)),
          h(
            "td",
            {},
            percent(d.on_time_rate) === null
              ? "—"
              : h("span", { class: `tag ${rateClass(d.on_time_rate)}` }, percent(d.on_time_rate)),
            h("small", {}, t("rankings.of", { on: d.on_time ?? 0, all: d.concluded ?? 0 })),
          ),
          count(d.warnings, "warning"),
          count(d.yellow_cards, "yellow"),
          count(d.red_cards, "red"),
        ),
      ),
    ),
  );
  return [
    head,
    h("div", { class: "table-wrap", role: "region", "aria-label": t("rankings.caption"), tabindex: "0" }, table),
  ];
}
