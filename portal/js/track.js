// 投诉查询: a complaint's history and reply, and the 1–5 rating once it is answered
// (POST /public/complaints/status, POST /public/complaints/rating).
import { call, problem } from "./api.js";
import { isZh, t } from "./i18n.js";
import {
  announce,
  busyButton,
  codeInput,
  coded,
  field,
  h,
  notice,
  requireAll,
  show,
  timeEl,
  uid,
  zhText,
} from "./ui.js";

let last = null; // {no, code, complaint}: shown again after a language switch or a rating

export const title = () => t("track.title");

export function render(main, params) {
  const no = codeInput("complaint_no", 50);
  const code = codeInput("query_code", 12);
  no.value = params.get("no") || (last ? last.no : "");
  const button = h("button", { type: "submit", class: "primary" }, t("track.go"));
  const region = h("div", { id: "track-result" });

  async function lookUp(complaintNo, queryCode, focus) {
    const result = await call("POST", "/public/complaints/status", {
      complaint_no: complaintNo,
      query_code: queryCode,
    });
    if (result.data && result.data.found && result.data.complaint) {
      last = { no: complaintNo, code: queryCode, complaint: result.data.complaint };
      show(region, view(region, last, lookUp));
      if (focus) region.querySelector("h2").focus();
      return true;
    }
    last = null;
    show(region, notice("bad", zhText(problem(result))));
    return false;
  }

  const form = h(
    "form",
    {
      class: "card",
      novalidate: true,
      "aria-label": t("track.title"),
      async onsubmit(event) {
        event.preventDefault();
        if (!requireAll([[no, t("track.no")], [code, t("track.code")]])) return;
        busyButton(button, true);
        show(region, h("p", { class: "loading", role: "status" }, t("loading")));
        try {
          if (await lookUp(no.value.trim(), code.value.trim(), true)) announce(t("track.state"));
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
      field({ label: t("track.no"), control: no }),
      field({ label: t("track.code"), control: code }),
    ),
    h("div", { class: "actions" }, button),
  );
  main.append(
    h("h1", { id: "page-title", tabindex: "-1" }, t("track.title")),
    h("p", { class: "lead" }, t("track.lead")),
    form,
    region,
  );
  if (last && last.no === no.value) {
    code.value = last.code;
    show(region, view(region, last, lookUp));
  }
}

function view(region, state, lookUp) {
  const c = state.complaint;
  const kind = t(`complaint.kind.${c.kind}`);
  const facts = [
    [t("track.no"), c.complaint_no],
    [t("track.kind"), kind],
    [t("track.filed"), c.filed_at ? timeEl(c.filed_at) : "—"],
    [t("track.due"), c.due ? timeEl(c.due) : "—"],
  ];
  const parts = [
    h(
      "section",
      { class: "card", "aria-labelledby": "complaint-title" },
      h(
        "h2",
        { id: "complaint-title", tabindex: "-1" },
        t("track.state"),
        isZh() ? "：" : ": ",
        h("span", { class: "state", id: "complaint-state" }, coded(`state.${c.state}`, c.state_zh)),
      ),
      h(
        "dl",
        { class: "facts" },
        facts.map(([dt, dd]) => [h("dt", {}, dt), h("dd", {}, dd)]),
      ),
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "reply-title" },
      h("h2", { id: "reply-title" }, t("track.reply")),
      c.reply ? h("div", { class: "reply", id: "complaint-reply" }, zhText(c.reply, "div")) : h("p", {}, t("track.no_reply")),
      c.rating ? h("p", { id: "complaint-rating" }, t("track.rating"), isZh() ? "：" : ": ", t("track.stars", { n: c.rating, label: t(`rate.${c.rating}`) })) : null,
    ),
  ];
  if (c.can_rate) parts.push(ratingForm(region, state, lookUp));
  const history = [...(c.history || [])];
  parts.push(
    h(
      "section",
      { class: "card", "aria-labelledby": "history-title" },
      h("h2", { id: "history-title" }, t("track.history")),
      h(
        "ol",
        { class: "history" },
        history.map((step) =>
          h(
            "li",
            {},
            timeEl(step.at),
            h("strong", {}, coded(`state.${step.state}`, step.state_zh)),
            step.note ? [" — ", zhText(step.note)] : null,
          ),
        ),
      ),
    ),
  );
  return parts;
}

function ratingForm(region, state, lookUp) {
  const group = uid("rating");
  const hintId = `${group}-hint`;
  const errorId = `${group}-error`;
  const comment = h("textarea", { name: "comment", rows: "3", maxlength: "500" });
  const button = h("button", { type: "submit", class: "primary" }, t("track.rate_go"));
  const status = h("div", {});
  const error = h("p", { class: "error", id: errorId, hidden: true });
  const choices = [1, 2, 3, 4, 5].map((n) => {
    const id = `${group}-${n}`;
    return h(
      "label",
      { class: "choice", for: id },
      h("input", { type: "radio", name: group, value: String(n), id }),
      `${n} · ${t(`rate.${n}`)}`,
    );
  });
  return h(
    "form",
    {
      class: "card",
      novalidate: true,
      "aria-labelledby": `${group}-legend`,
      async onsubmit(event) {
        event.preventDefault();
        const picked = event.currentTarget.querySelector(`input[name="${group}"]:checked`);
        if (!picked) {
          error.textContent = t("track.rate_pick");
          error.hidden = false;
          choices[0].querySelector("input").focus();
          return;
        }
        error.hidden = true;
        const body = { complaint_no: state.no, query_code: state.code, rating: Number(picked.value) };
        if (comment.value.trim()) body.comment = comment.value.trim();
        busyButton(button, true);
        try {
          const result = await call("POST", "/public/complaints/rating", body);
          if (result.ok && result.data && result.data.ok) {
            await lookUp(state.no, state.code, false);
            region.prepend(notice("ok", t("track.rated")));
            announce(t("track.rated"));
            const rated = region.querySelector("#complaint-rating");
            if (rated) {
              rated.tabIndex = -1;
              rated.focus();
            }
          } else {
            show(status, notice("bad", problem(result)));
          }
        } catch (failure) {
          show(status, notice("bad", failure.message));
        } finally {
          busyButton(button, false);
        }
      },
    },
    h(
      "fieldset",
      { class: "plain", "aria-describedby": `${hintId} ${errorId}` },
      h("legend", { id: `${group}-legend` }, t("track.rate")),
      h("p", { class: "hint", id: hintId }, t("track.rate_hint")),
      h("div", { class: "stars" }, choices),
      error,
    ),
    field({ label: t("track.comment"), control: comment, error: false }),
    status,
    h("div", { class: "actions" }, button),
  );
}
