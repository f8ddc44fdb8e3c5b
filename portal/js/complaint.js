// 我要投诉: file a complaint or enquiry, anonymous or not (POST /public/complaints).
import { call, departments, problem } from "./api.js";
import { isZh, t } from "./i18n.js";
import {
  announce,
  busyButton,
  field,
  h,
  maskPhone,
  notice,
  requireAll,
  setError,
  show,
  timeEl,
  uid,
} from "./ui.js";

const MIN_TEXT = 5;
const MAX_TEXT = 2000;
let receipt = null; // the last answer, kept until "file another": the code is shown only here

export const title = () => t("complaint.title");

export function render(main, params) {
  const region = h("div", { id: "complaint-area" });
  main.append(
    h("h1", { id: "page-title", tabindex: "-1" }, t("complaint.title")),
    h("p", { class: "lead" }, t("complaint.lead")),
    region,
  );
  if (receipt) show(region, done(region, receipt));
  else show(region, form(region, params));
}

function radio(name, value, label, checked) {
  const id = uid(name);
  return h(
    "label",
    { class: "choice", for: id },
    h("input", { type: "radio", name, value, id, checked }),
    label,
  );
}

function form(region, params) {
  const caseNo = h("input", { type: "text", name: "case_no", autocomplete: "off", maxlength: "50" });
  caseNo.value = params.get("case_no") || "";
  const dept = h("select", { name: "dept_code" }, h("option", { value: "" }, t("complaint.no_dept")));
  const windowNo = h("input", { type: "text", name: "window", autocomplete: "off", maxlength: "50" });
  const staff = h("input", { type: "text", name: "staff", autocomplete: "off", maxlength: "50" });
  const text = h("textarea", { name: "text", maxlength: String(MAX_TEXT), rows: "6" });
  const counter = h("p", { class: "counter", "aria-live": "off" }, t("complaint.chars", { n: 0, max: MAX_TEXT }));
  text.addEventListener("input", () => {
    counter.textContent = t("complaint.chars", { n: text.value.length, max: MAX_TEXT });
  });
  const anonymous = h("input", { type: "checkbox", name: "anonymous", id: uid("anon") });
  const name = h("input", { type: "text", name: "name", autocomplete: "name", maxlength: "50" });
  const phone = h("input", {
    type: "tel",
    name: "phone",
    autocomplete: "tel",
    inputmode: "numeric",
    maxlength: "20",
  });
  const contact = h(
    "fieldset",
    {},
    h("legend", {}, t("complaint.contact")),
    h(
      "div",
      { class: "row" },
      field({ label: t("complaint.name"), control: name }),
      field({ label: t("complaint.phone"), hint: t("complaint.phone_hint"), control: phone }),
    ),
  );
  anonymous.addEventListener("change", () => {
    contact.disabled = anonymous.checked;
    contact.hidden = anonymous.checked;
  });
  const button = h("button", { type: "submit", class: "primary" }, t("complaint.go"));
  const status = h("div", {});

  departments()
    .then((list) => {
      for (const d of list) dept.append(h("option", { value: d.dept_code }, d.dept_name || d.dept_code));
    })
    .catch(() => {}); // the department stays optional: the list is a convenience

  async function submit(event) {
    event.preventDefault();
    show(status);
    if (!requireAll([[text, t("complaint.text")]])) return;
    if (text.value.trim().length < MIN_TEXT) {
      setError(text, t("complaint.too_short", { n: MIN_TEXT }));
      text.focus();
      return;
    }
    const digits = phone.value.replace(/[\s-]/g, "");
    if (!anonymous.checked && digits && !/^1\d{10}$/.test(digits)) {
      setError(phone, t("complaint.phone_bad"));
      phone.focus();
      return;
    }
    setError(phone, "");
    const about = {};
    if (caseNo.value.trim()) about.case_no = caseNo.value.trim();
    if (dept.value) about.dept_code = dept.value;
    if (windowNo.value.trim()) about.window = windowNo.value.trim();
    if (staff.value.trim()) about.staff = staff.value.trim();
    const kind = region.querySelector('input[name="kind"]:checked').value;
    const body = { kind, text: text.value.trim(), anonymous: anonymous.checked, about };
    if (!anonymous.checked && name.value.trim()) body.name = name.value.trim();
    if (!anonymous.checked && digits) body.phone = digits;
    busyButton(button, true);
    try {
      const result = await call("POST", "/public/complaints", body);
      if (result.ok && result.data && result.data.complaint_no) {
        receipt = { ...result.data, kind: result.data.kind || kind, phone: body.phone || null };
        show(region, done(region, receipt));
        announce(t("complaint.done", { kind: t(`complaint.kind.${receipt.kind}`) }));
        region.querySelector("h2").focus();
      } else {
        show(status, notice("bad", problem(result)));
      }
    } catch (error) {
      show(status, notice("bad", error.message));
    } finally {
      busyButton(button, false);
    }
  }

  return h(
    "form",
    { novalidate: true, "aria-label": t("complaint.title"), onsubmit: submit },
    h(
      "fieldset",
      {},
      h("legend", {}, t("complaint.kind")),
      h(
        "div",
        { class: "choices" },
        radio("kind", "complaint", t("complaint.kind.complaint"), true),
        radio("kind", "enquiry", t("complaint.kind.enquiry"), false),
      ),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, t("complaint.about")),
      h("p", { class: "hint" }, t("complaint.about_hint")),
      h(
        "div",
        { class: "row" },
        field({ label: t("complaint.case_no"), control: caseNo }),
        field({ label: t("complaint.dept"), control: dept, error: false }),
        field({ label: t("complaint.window"), hint: t("complaint.window_hint"), control: windowNo }),
        field({ label: t("complaint.staff"), hint: t("complaint.staff_hint"), control: staff }),
      ),
    ),
    field({ label: t("complaint.text"), hint: t("complaint.text_hint"), control: text }),
    counter,
    h("div", { class: "field" }, h("label", { class: "choice", for: anonymous.id }, anonymous, t("complaint.anonymous"))),
    contact,
    status,
    h("div", { class: "actions" }, button),
  );
}

function done(region, r) {
  const kind = t(`complaint.kind.${r.kind}`);
  return h(
    "section",
    { class: "card receipt", "aria-labelledby": "receipt-title" },
    h("h2", { id: "receipt-title", tabindex: "-1" }, t("complaint.done", { kind })),
    h(
      "dl",
      {},
      h("dt", {}, t("complaint.no")),
      h("dd", { id: "complaint-no" }, r.complaint_no),
      h("dt", {}, t("complaint.code")),
      h("dd", { id: "complaint-code" }, r.query_code),
    ),
    r.due ? h("p", {}, t("complaint.due"), isZh() ? "：" : ": ", timeEl(r.due)) : null,
    notice("warn", t("complaint.keep")),
    r.phone ? notice("ok", t("complaint.sms", { phone: maskPhone(r.phone) })) : null,
    h(
      "p",
      { class: "actions" },
      h("a", { class: "button", href: `#/track?no=${encodeURIComponent(r.complaint_no)}` }, t("complaint.track")),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick() {
            receipt = null;
            show(region, form(region, new URLSearchParams()));
            region.querySelector("input").focus();
          },
        },
        t("complaint.another"),
      ),
    ),
  );
}
