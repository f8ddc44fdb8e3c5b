// The portal's shell: hash routes (#/guide?q=…), the language switch, focus on each new page.
// Each page is a module loaded when first visited: the start page needs no other module and no API call.
import { lang, setLang, t } from "./i18n.js";
import { field, h } from "./ui.js";

const PAGES = ["guide", "progress", "complaint", "track", "rankings"];

const home = {
  title: () => t("site"),
  render(main) {
    const q = h("input", { type: "search", name: "q", autocomplete: "off", enterkeyhint: "search" });
    const form = h(
      "form",
      {
        class: "search two",
        role: "search",
        onsubmit(event) {
          event.preventDefault();
          const value = q.value.trim();
          location.hash = value ? `#/guide?q=${encodeURIComponent(value)}` : "#/guide";
        },
      },
      field({ label: t("home.search"), hint: t("home.search_hint"), control: q, error: false }),
      h("div", { class: "field" }, h("button", { type: "submit", class: "primary" }, t("home.search_go"))),
    );
    const tiles = PAGES.map((name) =>
      h(
        "li",
        {},
        h("a", { href: `#/${name}` }, h("strong", {}, t(`nav.${name}`)), h("span", {}, t(`tile.${name}`))),
      ),
    );
    main.append(
      h(
        "section",
        { class: "hero", "aria-labelledby": "page-title" },
        h("h1", { id: "page-title", tabindex: "-1" }, t("home.title")),
        h("p", { class: "lead" }, t("home.lead")),
        form,
      ),
      h(
        "section",
        { "aria-labelledby": "services" },
        h("h2", { id: "services" }, t("home.services")),
        h("ul", { class: "tiles" }, tiles),
      ),
      h("p", { class: "notice" }, t("home.note")),
    );
  },
};

const notFound = {
  title: () => t("notfound.title"),
  render(main) {
    main.append(
      h("h1", { id: "page-title", tabindex: "-1" }, t("notfound.title")),
      h("p", {}, h("a", { href: "#/" }, t("notfound.back"))),
    );
  },
};

function parse(hash) {
  const raw = hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?");
  return { path: path.replace(/\/+$/, ""), params: new URLSearchParams(query) };
}

function shell() {
  document.documentElement.lang = lang();
  document.getElementById("skip").textContent = t("skip");
  document.getElementById("brand-name").textContent = t("site");
  document.getElementById("brand-sub").textContent = t("site_sub");
  document.getElementById("foot-text").textContent = t("foot");
  const nav = document.getElementById("nav");
  nav.setAttribute("aria-label", t("nav"));
  for (const link of nav.querySelectorAll("a[data-route]")) link.textContent = t(`nav.${link.dataset.route}`);
  const button = document.getElementById("lang");
  button.textContent = t("switch_to");
  button.lang = lang() === "en" ? "zh-CN" : "en";
}

function markNav(path) {
  for (const link of document.querySelectorAll("#nav a[data-route]")) {
    if (link.dataset.route === path) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

let shownPath = null;
let shownPage = null;
let navigations = 0;

async function route({ focus = true } = {}) {
  if (location.hash && !location.hash.startsWith("#/")) return; // an in-page anchor (the skip link)
  const { path, params } = parse(location.hash);
  if (path === shownPath && shownPage && shownPage.update) {
    shownPage.update(params);
    return;
  }
  const ticket = ++navigations;
  let page = notFound;
  if (path === "") page = home;
  else if (PAGES.includes(path)) page = await import(`./${path}.js`);
  if (ticket !== navigations) return; // a later navigation won
  shownPath = path;
  shownPage = page;
  const main = document.getElementById("main");
  main.replaceChildren();
  page.render(main, params);
  markNav(path);
  document.title = path === "" ? `${t("site")} · ${t("site_sub")}` : `${page.title()} – ${t("site")}`;
  if (focus) {
    const title = document.getElementById("page-title");
    (title || main).focus();
    window.scrollTo(0, 0);
  }
}

function start() {
  shell();
  document.getElementById("lang").addEventListener("click", () => {
    setLang(lang() === "zh-CN" ? "en" : "zh-CN");
    shell();
    shownPath = null; // render the page again in the new language (pages keep their last answer)
    route({ focus: false }).then(() => document.getElementById("lang").focus());
  });
  document.getElementById("skip").addEventListener("click", (event) => {
    event.preventDefault();
    const title = document.getElementById("page-title");
    (title || document.getElementById("main")).focus();
  });
  window.addEventListener("hashchange", () => route());
  route({ focus: false });
}

start();
