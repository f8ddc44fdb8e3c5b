// 办件查询: a case's progress given its number and query code (POST /public/progress).
import { call, problem } from "./api.js";
import { isZh, t } from "./i18n.js";
import {
  announce,
  busyButton,
  codeInput,
  coded,
  day,
  field,
  h,
  notice,
  requireAll,
  show,
  timeEl,
  when,
  zhText,
} from "./ui.js";

let last = null; // {caseNo, answer}: shown again after a language switch

export const title = () => t("progress.title");

export function render(main, params) {
  const caseNo = codeInput("case_no", 50);
  const code = codeInput("query_code", 12);
  const button = h("button", { type: "submit", class: "primary" }, t("progress.go"));
  const region = h("div", { id: "progress-result" });
  caseNo.value = params.get("case_no") || (last ? last.caseNo : "");
  const form = h(
    "form",
    {
      class: "card",
      novalidate: true,
      "aria-label": t("progress.title"),
      async onsubmit(event) {
        event.preventDefault();
        if (!requireAll([[caseNo, t("progress.case_no")], [code, t("progress.code")]])) return;
        busyButton(button, true);
        show(region, h("p", { class: "loading", role: "status" }, t("loading")));
        try {
          const body = { case_no: caseNo.value.trim(), query_code: code.value.trim() };
          const result = await call("POST", "/public/progress", body);
          if (result.data && result.data.found && result.data.case) {
            last = { caseNo: body.case_no, answer: result.data.case };
            show(region, view(result.data.case));
            announce(t("progress.found", { no: body.case_no }));
            region.querySelector("h2").focus();
          } else {
            last = null;
            show(region, notice("bad", zhText(problem(result), "span")));
          }
        } catch (error) {
          show(region, notice("bad", error.message));
        } finally {
          busyButton(button, false);
        }
      },
    },
    h(
      "div",
      { class: "row" },
      field({ label: t("progress.case_no"), control: caseNo }),
      field({ label: t("progress.code"), hint: t("progress.code_hint"), control: code }),
    ),
    h("div", { class: "actions" }, button),
  );
  main.append(
    h("h1", { id: "page-title", tabindex: "-1" }, t("progress.title")),
    h("p", { class: "lead" }, t("progress.lead")),
    form,
    region,
  );
  if (last && last.caseNo === caseNo.value) show(region, view(last.answer));
}

function days(n) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return "—";
  const value = Number(n);
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

// A due date counted across a year whose official holidays are not published yet may still move.
function dueEl(c, name) {
  if (!c[name]) return "—";
  const provisional = c.provisional && c.provisional[name];
  if (!provisional) return timeEl(c[name]);
  return h(
    "span",
    { class: "due provisional" },
    timeEl(c[name]),
    " ",
    h("small", { class: "provisional-note" }, t("progress.provisional")),
  );
}

function stat(value, label, extra = "") {
  return h("div", { class: `stat ${extra}` }, h("b", {}, value), h("span", {}, label));
}

function view(c) {
  const pauses = c.pauses || [];
  const paused = pauses.reduce((sum, p) => sum + (Number(p.working_days) || 0), 0);
  const used = Number(c.elapsed_working_days) || 0;
  const left = c.remaining_working_days;
  const over = left !== null && left !== undefined && Number(left) < 0;
  const stats = [stat(days(used), t("progress.used"))];
  if (over) stats.push(stat(days(-Number(left)), t("progress.overdue"), "over"));
  else stats.push(stat(days(left), t("progress.left")));
  stats.push(stat(days(paused), t("progress.paused_days")));
  const provisional = c.provisional && c.provisional.committed_due;
  const dueLabel = t("progress.committed_due") + (provisional ? t("progress.provisional_short") : "");
  stats.push(stat(day(c.committed_due) || "—", dueLabel, "date"));
  const total = used + Math.max(Number(left) || 0, 0);
  const facts = [
    [t("progress.item"), zhText(c.item_name)],
    [t("progress.dept"), zhText(c.dept_name)],
    [t("progress.case_no"), c.case_no],
    c.applicant_name ? [t("progress.applicant"), zhText(c.applicant_name)] : null,
    [t("progress.stage"), coded(`stage.${c.stage}`, c.stage_zh)],
    [
      t("progress.outcome"),
      h("span", { class: "outcome" }, c.outcome ? coded(`outcome.${c.outcome}`) : t("outcome.none")),
    ],
    [t("progress.accepted"), c.accepted_at ? timeEl(c.accepted_at) : "—"],
    [t("progress.committed_due"), dueEl(c, "committed_due")],
    [t("progress.statutory_due"), dueEl(c, "statutory_due")],
  ].filter(Boolean);
  const parts = [
    h(
      "section",
      { class: "card", "aria-labelledby": "case-title" },
      h("h2", { id: "case-title", tabindex: "-1" }, zhText(c.item_name || c.case_no)),
      h("div", { class: "summary" }, stats),
      total > 0
        ? h(
            "label",
            { class: "hint" },
            t("progress.bar", { used: days(used), total: days(total) }),
            h("progress", { max: String(total), value: String(Math.min(used, total)) }),
          )
        : null,
      h(
        "dl",
        { class: "facts" },
        facts.map(([dt, dd]) => [h("dt", {}, dt), h("dd", {}, dd)]),
      ),
    ),
  ];
  if (pauses.length) {
    parts.push(
      h(
        "section",
        { class: "card", "aria-labelledby": "pauses-title" },
        h("h2", { id: "pauses-title" }, t("progress.pauses")),
        h("p", { class: "hint" }, t("progress.pauses_lead")),
        pauses.map((p) =>
          h(
            "div",
            { class: "pause-box" },
            h("h3", {}, coded(`special.${p.kind}`, p.kind_zh)),
            h(
              "p",
              {},
              p.to
                ? t("progress.pause_range", { from: when(p.from), to: when(p.to), n: days(p.working_days) })
                : t("progress.pause_open", { from: when(p.from), n: days(p.working_days) }),
            ),
            p.explanation_zh ? h("p", {}, zhText(p.explanation_zh)) : null,
          ),
        ),
      ),
    );
  }
  const events = [...(c.timeline || [])].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  parts.push(
    h(
      "section",
      { class: "card", "aria-labelledby": "timeline-title" },
      h("h2", { id: "timeline-title" }, t("progress.timeline")),
      h(
        "ol",
        { class: "timeline" },
        events.map((e) =>
          h(
            "li",
            { class: String(e.type || "").startsWith("special") ? "pause" : "" },
            timeEl(e.occurred_at),
            isZh()
              ? e.label_zh || e.type
              : [t(`event.${e.type}`), e.label_zh ? [" · ", zhText(e.label_zh)] : null],
          ),
        ),
      ),
    ),
  );
  parts.push(
    h("p", {}, h("a", { href: `#/complaint?case_no=${encodeURIComponent(c.case_no)}` }, t("progress.complain"))),
  );
  return parts;
}
