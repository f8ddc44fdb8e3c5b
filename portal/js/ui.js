// DOM and formatting helpers. Text from the API only ever goes in as text nodes (never as HTML).
import { has, isZh, lang, t } from "./i18n.js";

/** h("p", {class: "x"}, "text", child): an element; `on*` attributes become listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Chinese text from the API, marked as such when the page is in English. */
// A number or a code the citizen copies from paper: no autocomplete, capitals, no spell check.
export function codeInput(name, maxlength) {
  return h("input", {
    type: "text",
    name,
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    maxlength: String(maxlength),
  });
}

export function zhText(text, tag = "span") {
  return isZh() ? String(text ?? "") : h(tag, { lang: "zh-CN" }, String(text ?? ""));
}

/** The translation of a code if the current language has one, else the API's Chinese label. */
export function coded(key, chinese) {
  if (isZh() && chinese) return chinese;
  if (has(key)) return t(key);
  return chinese ? zhText(chinese) : t(key);
}

let ids = 0;
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A labelled input: {id, label, hint, input}; the hint and the error are tied to the input. */
export function field({ label, hint, control, error = true }) {
  const id = control.id || uid("f");
  control.id = id;
  const describedBy = [];
  const wrap = h("div", { class: "field" }, h("label", { for: id }, label));
  if (hint) {
    const hintId = `${id}-hint`;
    wrap.append(h("span", { class: "hint", id: hintId }, hint));
    describedBy.push(hintId);
  }
  wrap.append(control);
  if (error) {
    const errId = `${id}-error`;
    wrap.append(h("p", { class: "error", id: errId, hidden: true }));
    describedBy.push(errId);
  }
  if (describedBy.length) control.setAttribute("aria-describedby", describedBy.join(" "));
  return wrap;
}

/** Show or clear the error message of an input made by `field`. */
export function setError(control, message) {
  const box = document.getElementById(`${control.id}-error`);
  if (message) control.setAttribute("aria-invalid", "true");
  else control.removeAttribute("aria-invalid");
  if (box) {
    box.textContent = message || "";
    box.hidden = !message;
  }
}

/** Checks that each required input has a value; focuses the first that has none. */
export function requireAll(pairs) {
  let first = null;
  for (const [control, label] of pairs) {
    const missing = !control.value.trim();
    setError(control, missing ? t("required", { field: label }) : "");
    if (missing && !first) first = control;
  }
  if (first) first.focus();
  return !first;
}

export function notice(kind, ...children) {
  return h("div", { class: `notice ${kind}`, role: kind === "bad" ? "alert" : "status" }, ...children);
}

/** Replace the content of `region` and say it to screen readers. */
export function show(region, ...children) {
  region.replaceChildren(...children.flat().filter(Boolean));
}

export function announce(text) {
  const live = document.getElementById("announce");
  if (!live) return;
  live.textContent = "";
  setTimeout(() => {
    live.textContent = text;
  }, 30);
}

const TZ = "Asia/Shanghai";
function parts(iso, withTime) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  const options = { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hourCycle: "h23" };
  if (withTime) Object.assign(options, { hour: "2-digit", minute: "2-digit" });
  const got = {};
  for (const p of new Intl.DateTimeFormat("en-GB", options).formatToParts(date)) got[p.type] = p.value;
  return got;
}

/** "2026-11-20 09:30" in Beijing time (the city's clock), whatever the reader's zone. */
export function when(iso) {
  if (!iso) return "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  const p = parts(iso, true);
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` : String(iso);
}

export function day(iso) {
  if (!iso) return "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  const p = parts(iso, false);
  return p ? `${p.year}-${p.month}-${p.day}` : String(iso);
}

export function timeEl(iso, withTime = true) {
  return h("time", { datetime: iso }, withTime ? when(iso) : day(iso));
}

/** An on-time rate (0–1, or already a percentage) as "98.5%". */
export function percent(rate) {
  if (rate === null || rate === undefined || Number.isNaN(Number(rate))) return null;
  const value = Number(rate) <= 1 ? Number(rate) * 100 : Number(rate);
  const digits = value === 100 || value === 0 ? 0 : 1;
  return `${value.toFixed(digits)}%`;
}

export function rateClass(rate) {
  const value = Number(rate) <= 1 ? Number(rate) * 100 : Number(rate);
  return value >= 95 ? "good" : value >= 80 ? "mid" : "low";
}

export function limitText(limit) {
  if (!limit || limit.value === undefined) return "—";
  return `${limit.value} ${t(`unit.${limit.unit}`)}`;
}

export function feeText(fee) {
  const value = Number(fee);
  if (fee === null || fee === undefined || fee === "" || value === 0) {
    return h("span", { class: "tag free" }, t("guide.free"));
  }
  return Number.isNaN(value) ? String(fee) : `¥${value.toLocaleString(lang(), { maximumFractionDigits: 2 })}`;
}

/** 138****1234: a phone as the receipt shows it. */
export function maskPhone(phone) {
  const digits = String(phone).replace(/\D/g, "");
  return digits.length >= 7 ? `${digits.slice(0, 3)}****${digits.slice(-4)}` : "****";
}

export function busyButton(button, busy) {
  button.disabled = busy;
  if (busy) button.setAttribute("aria-busy", "true");
  else button.removeAttribute("aria-busy");
}
