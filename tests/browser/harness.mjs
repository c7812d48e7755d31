// What every browser journey shares: a Chromium page with or without JavaScript, the checks each
// screen gets (axe-core with no serious or critical violation, one h1, the title's form, no ISO
// dates or raw enum names, no sideways scrolling at 320 px) with its screenshots at 1280 and
// 320 px, and reading the emails the service wrote as .eml files.
//
// The journey's pages run under the service's Content-Security-Policy, and anything it blocks fails
// the screen. axe is injected (an inline script, which that policy refuses) into a second page,
// with JavaScript, to which each screen's DOM is re-served at the same address with the same
// styles; without JavaScript axe could not run in the journey's page anyway (its timers never fire).
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const SUFFIX = " – Planning Sandbox";
export const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 320, height: 640 };
export const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/// Opens a browser for one journey part. `prefix` starts each screenshot's name; `state` is the
/// file the cookies are read from (when `resume`) and kept in by `finish`.
export async function journey({ variant, shots, prefix, state, resume }) {
  const js = variant === "js";
  const failures = [];
  const check = (ok, what) => {
    if (!ok) failures.push(what);
    console.log(`${ok ? "ok  " : "FAIL"} [${variant}] ${what}`);
    return ok;
  };
  mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
  // The journey's pages run under the service's Content-Security-Policy, as a person's browser
  // runs them: anything the policy blocks is reported on the console and fails the screen.
  const context = await browser.newContext({
    javaScriptEnabled: js,
    viewport: WIDE,
    storageState: resume && state && existsSync(state) ? state : undefined,
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const blocked = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) blocked.push(m.text());
  });

  // axe runs on a copy of the page in a context of its own, which lets the test inject axe (the
  // service's policy allows no inline script, rightly).
  const ctx = await browser.newContext({ viewport: WIDE, bypassCSP: true });
  const checker = await ctx.newPage();
  let served = "";
  await checker.route("**/*", (route) =>
    route.request().isNavigationRequest()
      ? route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: served })
      : route.continue());

  async function axe() {
    served = await page.content();
    await checker.goto(page.url());
    const target = checker;
    // The copy is the page as it was, styles and all (axe's contrast checks need them).
    const copy = await checker.evaluate(() => ({
      title: document.title,
      styled: document.styleSheets.length >= 2 && [...document.styleSheets].every((s) => s.cssRules.length > 0),
    }));
    check(copy.title === (await page.title()) && copy.styled, `axe checks a styled copy of ${new URL(page.url()).pathname}`);
    await target.addScriptTag({ content: axeSource });
    const r = await target.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  }

  /// The checks every screen gets, and its screenshots.
  async function screen(name, { error = false } = {}) {
    const path = new URL(page.url()).pathname;
    const where = `${name} (${path})`;
    const title = await page.title();
    check(title.endsWith(SUFFIX), `${where}: the title "${title}" ends with "${SUFFIX}"`);
    check(title.startsWith("Error: ") === error,
      `${where}: the title ${error ? "starts" : "does not start"} with "Error: "`);
    const h1 = await page.locator("h1").count();
    check(h1 === 1, `${where}: has exactly one h1 (${h1})`);
    const bad = await axe();
    for (const v of bad) {
      const targets = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ");
      console.log(`     ${v.impact}: ${v.id} – ${v.help} (${v.nodes.length} element(s): ${targets})`);
    }
    check(bad.length === 0, `${where}: no serious or critical accessibility violations`);
    check(blocked.length === 0, `${where}: nothing blocked by the Content-Security-Policy${blocked.length ? ` (${blocked.splice(0).join("; ")})` : ""}`);

    // What a person reads should not be a machine's spelling.
    // Machine spellings shown as code (the open data page's column names) are meant.
    const text = await page.locator("main").evaluate((main) => {
      const copy = main.cloneNode(true);
      for (const c of copy.querySelectorAll("code")) c.remove();
      document.body.appendChild(copy);
      const t = copy.innerText;
      copy.remove();
      return t;
    });
    const iso = text.match(/\b\d{4}-\d{2}-\d{2}\b/g) || [];
    check(iso.length === 0, `${where}: shows no ISO dates${iso.length ? ` (${[...new Set(iso)].join(", ")})` : ""}`);
    const raw = (text.match(/\b[a-z]+(?:_[a-z0-9]+)+\b/g) || []);
    check(raw.length === 0, `${where}: shows no raw enum names${raw.length ? ` (${[...new Set(raw)].join(", ")})` : ""}`);

    await page.screenshot({ path: join(shots, `${prefix}-${variant}-${name}-1280.png`), fullPage: true });
    await page.setViewportSize(NARROW);
    const wide = await page.evaluate(() => {
      const limit = window.innerWidth;
      const sw = document.documentElement.scrollWidth;
      if (sw <= limit) return null;
      // The outermost elements that stick out on the right.
      const describe = (el) => {
        let s = el.tagName.toLowerCase();
        if (el.id) s += `#${el.id}`;
        if (el.classList.length) s += "." + [...el.classList].join(".");
        return s;
      };
      const out = [];
      for (const el of document.body.querySelectorAll("*")) {
        const r = el.getBoundingClientRect();
        if (r.right > limit + 1 && r.width > 0 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > limit + 1)) {
          out.push(`${describe(el)} (right edge ${Math.round(r.right)}px): "${(el.innerText || el.value || "").trim().slice(0, 60)}"`);
        }
      }
      return { sw, limit, culprits: out.slice(0, 5) };
    });
    if (wide) for (const c of wide.culprits) console.log(`     too wide: ${c}`);
    check(!wide, `${where}: does not scroll sideways at 320 px${wide ? ` (scrollWidth ${wide.sw} > ${wide.limit})` : ""}`);
    await page.screenshot({ path: join(shots, `${prefix}-${variant}-${name}-320.png`), fullPage: true });
    await page.setViewportSize(WIDE);
  }

  /// Presses a button (or follows a link) and waits for the page it leads to.
  async function go(locator, url) {
    await Promise.all([page.waitForURL(url), locator.click()]);
  }
  const button = (name) => page.getByRole("button", { name, exact: true });
  const banner = async () => (await page.locator(".govuk-notification-banner").allInnerTexts()).join(" ");


  /// Keeps the cookies for the next part and closes the browser.
  async function finish() {
    if (state) await context.storageState({ path: state });
    await browser.close();
  }
  return { page, context, check, failures, screen, go, button, banner, finish, close: () => browser.close() };
}

export function pdf() {
  return Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n", "latin1");
}

/// The first match of `pattern` (a link's path and query) in the newest .eml file to `to` that
/// has one, waiting for the email worker to write it.
export async function mailLink(mailDir, to, pattern) {
  for (let i = 0; i < 100; i++) {
    const files = existsSync(mailDir) ? readdirSync(mailDir).filter((f) => f.endsWith(".eml")) : [];
    const mails = files
      .map((f) => ({ f, t: statSync(join(mailDir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t)
      .map(({ f }) => parseMail(readFileSync(join(mailDir, f), "latin1")))
      .filter((m) => m.to.toLowerCase().includes(to.toLowerCase()));
    for (const m of mails) {
      const found = m.texts.join("\n").match(pattern);
      if (found) return found[0];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/// A MIME message: its To header and the decoded text of its text parts.
function parseMail(raw) {
  const { headers, body } = splitHeaders(raw);
  return { to: headers["to"] || "", texts: textParts(headers, body) };
}

function splitHeaders(raw) {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? "" : raw.slice(at).replace(/^\r?\n\r?\n/, "");
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function textParts(headers, body) {
  const type = headers["content-type"] || "text/plain";
  if (/^multipart\//i.test(type)) {
    const boundary = (type.match(/boundary="?([^";]+)"?/i) || [])[1];
    if (!boundary) return [];
    return body
      .split(new RegExp(`\\r?\\n?--${esc(boundary)}(?:--)?[ \\t]*\\r?\\n?`))
      .filter((p) => p.trim() !== "")
      .flatMap((p) => {
        const part = splitHeaders(p);
        return textParts(part.headers, part.body);
      });
  }
  if (!/^text\//i.test(type)) return [];
  const encoding = (headers["content-transfer-encoding"] || "7bit").toLowerCase();
  let bytes;
  if (encoding === "quoted-printable") {
    const soft = body.replace(/=\r?\n/g, "");
    bytes = Buffer.from(soft.replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), "latin1");
  } else if (encoding === "base64") {
    bytes = Buffer.from(body.replace(/\s+/g, ""), "base64");
  } else {
    bytes = Buffer.from(body, "latin1");
  }
  return [bytes.toString("utf8")];
}
