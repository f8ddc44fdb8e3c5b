// 办事指南: search the catalogue by name, filter by department (GET /public/items).
import { items } from "./api.js";
import { t } from "./i18n.js";
import { announce, coded, feeText, field, h, limitText, notice, percent, rateClass, show, zhText } from "./ui.js";

const PAGE = 20;
let view = null; // {q, dept, region, select, input}

export const title = () => t("guide.title");

export function render(main, params) {
  const input = h("input", { type: "search", name: "q", autocomplete: "off", enterkeyhint: "search" });
  const select = h("select", { name: "dept" }, h("option", { value: "" }, t("guide.all_depts")));
  const region = h("div", { id: "guide-results", "aria-live": "polite", "aria-busy": "false" });
  const form = h(
    "form",
    {
      class: "search card",
      role: "search",
      "aria-label": t("guide.title"),
      onsubmit(event) {
        event.preventDefault();
        const query = new URLSearchParams();
        if (input.value.trim()) query.set("q", input.value.trim());
        if (select.value) query.set("dept", select.value);
        const target = `#/guide${query.toString() ? `?${query}` : ""}`;
        if (location.hash === target) update(query);
        else location.hash = target;
      },
    },
    field({ label: t("guide.q"), control: input, error: false }),
    field({ label: t("guide.dept"), control: select, error: false }),
    h("div", { class: "field" }, h("button", { type: "submit", class: "primary" }, t("guide.go"))),
  );
  main.append(
    h("h1", { id: "page-title", tabindex: "-1" }, t("guide.title")),
    h("p", { class: "lead" }, t("guide.lead")),
    form,
    region,
  );
  view = { input, select, region };
  update(params);
}

export async function update(params) {
  const q = (params.get("q") || "").trim();
  const dept = params.get("dept") || "";
  const { input, select, region } = view;
  input.value = q;
  view.q = q;
  view.dept = dept;
  region.setAttribute("aria-busy", "true");
  show(region, h("p", { class: "loading" }, t("loading")));
  let answer;
  try {
    const [all, found] = await Promise.all([items(), q || dept ? items(q, dept) : null]);
    fillDepartments(select, all.departments || [], dept);
    answer = found || all;
  } catch (error) {
    show(region, notice("bad", error.message));
    region.setAttribute("aria-busy", "false");
    return;
  }
  if (view.q !== q || view.dept !== dept) return; // a newer search is on its way
  const list = answer.items || [];
  region.setAttribute("aria-busy", "false");
  const count = h("p", { class: "count" }, t("guide.count", { n: list.length }));
  if (!list.length) {
    show(region, count, notice("warn", t("guide.none")));
  } else {
    const ul = h("ul", { class: "items" });
    show(region, count, ul);
    more(region, ul, list, 0);
  }
  announce(t("guide.count", { n: list.length }));
}

function fillDepartments(select, departments, chosen) {
  if (select.options.length <= 1) {
    for (const d of departments) select.append(h("option", { value: d.dept_code }, d.dept_name || d.dept_code));
  }
  select.value = chosen;
}

function more(region, ul, list, from) {
  const shown = list.slice(from, from + PAGE);
  const cards = shown.map(card);
  ul.append(...cards);
  const old = region.querySelector(".more");
  if (old) old.remove();
  const left = list.length - from - shown.length;
  if (left > 0) {
    region.append(
      h(
        "p",
        { class: "more" },
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick() {
              more(region, ul, list, from + PAGE);
            },
          },
          t("guide.more", { n: left }),
        ),
      ),
    );
  }
  if (from > 0 && cards[0]) cards[0].querySelector("h2").focus();
}

function card(item) {
  const rate = percent(item.on_time_rate);
  const facts = [
    [t("guide.statutory"), limitText(item.statutory_limit)],
    [t("guide.committed"), h("strong", {}, limitText(item.committed_limit))],
    [t("guide.fee"), feeText(item.fee_standard)],
    [
      t("guide.stages"),
      h(
        "ol",
        { class: "stages" },
        (item.stages || []).map((s) => h("li", {}, coded(`stage.${s}`))),
      ),
    ],
    [t("guide.online"), item.online_required ? t("guide.online_yes") : t("guide.online_no")],
    [t("guide.legal"), zhText(item.legal_basis || "—")],
  ];
  const specials = item.specials_allowed || [];
  if (specials.length) facts.push([t("guide.specials"), specials.map((s) => t(`special.${s}`)).join("、")]);
  facts.push([
    t("guide.rate"),
    rate
      ? h(
          "span",
          {},
          h("span", { class: `tag ${rateClass(item.on_time_rate)}` }, rate),
          " ",
          t("guide.concluded", { n: item.cases_concluded ?? 0 }),
        )
      : t("guide.rate_none"),
  ]);
  facts.push([t("guide.code"), item.item_code]);
  const headingId = `item-${item.item_code}`;
  return h(
    "li",
    { class: "card item", "aria-labelledby": headingId },
    h("h2", { id: headingId, tabindex: "-1" }, zhText(item.name)),
    h("p", { class: "dept" }, zhText(item.dept_name || item.dept_code)),
    h(
      "dl",
      { class: "facts" },
      facts.map(([dt, dd]) => [h("dt", {}, dt), h("dd", {}, dd)]),
    ),
  );
}
