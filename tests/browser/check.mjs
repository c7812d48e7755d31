// Opens the public pages in headless Chromium as a person would: the register, a filter, a trial
// page; and runs axe-core on the register, trial, statistics, learning and information pages and a
// "Page not found" page. Exits non-zero on any failure or any serious or critical accessibility
// violation.
//
// Usage: node check.mjs <base url>   (CHROMIUM overrides /usr/bin/chromium)
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const axePath = require.resolve("axe-core/axe.min.js");
const base = process.argv[2];
if (!base) {
  console.error("usage: node check.mjs <base url>");
  process.exit(2);
}

// Screenshots of the register at 1280 and 320 px, for a person to look at.
const shots = fileURLToPath(new URL("../../target/browser/check/", import.meta.url));
mkdirSync(shots, { recursive: true });

const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  // The page runs under the service's Content-Security-Policy; axe is injected into a page of
  // its own context, which the policy (no inline script) would otherwise refuse.
  const page = await browser.newPage();
  const blocked = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) blocked.push(m.text());
  });
  const axePage = await (await browser.newContext({ bypassCSP: true })).newPage();

  async function accessible(path) {
    await page.goto(base + path);
    check(blocked.length === 0, `nothing blocked by the Content-Security-Policy on ${path}${blocked.length ? ` (${blocked.splice(0).join("; ")})` : ""}`);
    await axePage.goto(base + path);
    await axePage.addScriptTag({ path: axePath });
    const result = await axePage.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    for (const v of bad) console.log(`     ${v.impact}: ${v.id} – ${v.help} (${v.nodes.length} element(s))`);
    check(bad.length === 0, `no serious or critical accessibility violations on ${path}`);
  }

  // The register, as a person sees it.
  await page.goto(base + "/register");
  check((await page.title()).includes("Register"), "the register page has a title");
  const rows = await page.locator("table tbody tr").count();
  check(rows >= 2, `the register lists the entries (${rows})`);

  // Filter it with the form (no JavaScript of ours involved).
  await page.selectOption("#status", "refused");
  await Promise.all([page.waitForURL(/status=refused/), page.click("button[type=submit]")]);
  const statuses = await page.locator("table tbody tr td:nth-child(3)").allInnerTexts();
  check(statuses.length >= 1 && statuses.every((s) => s.toLowerCase().includes("refused")), "the status filter shows only refused decisions");

  // Search it: the box at the top, in the same form as the filters.
  await page.goto(base + "/register");
  check((await page.getByLabel("Search the register", { exact: true }).count()) === 1, "the register has a labelled search box");
  await page.fill("#q", "terraced roofs");
  await Promise.all([page.waitForURL(/q=terraced\+roofs/), page.click("button[type=submit]")]);
  const titles = await page.locator("table tbody tr td:nth-child(2)").allInnerTexts();
  check(titles.length >= 2 && titles.every((t) => /terraced roofs/i.test(t)), `a search shows the entries with its words (${titles.length})`);
  check((await page.inputValue("#q")) === "terraced roofs", "the search box keeps the words searched for");
  await page.fill("#q", "xyzzy");
  await Promise.all([page.waitForURL(/q=xyzzy/), page.click("button[type=submit]")]);
  check((await page.locator("main").innerText()).includes("No entries match your search"), "a search that matches nothing says so");

  // With a search, numbered pages and the filters, the page fits 320 px without scrolling sideways.
  for (const viewport of [{ width: 1280, height: 900 }, { width: 320, height: 640 }]) {
    await page.setViewportSize(viewport);
    await page.goto(base + "/register?q=solar&per_page=1&page=2");
    check((await page.locator(".govuk-pagination__item").count()) >= 2, `the register numbers its pages at ${viewport.width} px`);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
    check(!sideways, `the register with its search box does not scroll sideways at ${viewport.width} px`);
    await page.screenshot({ path: `${shots}register-${viewport.width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  // Follow a trial from the unfiltered register.
  await page.goto(base + "/register?status=active");
  const link = page.locator("table tbody tr td a").first();
  const reference = (await link.innerText()).trim();
  await Promise.all([page.waitForURL(new RegExp(`/register/${reference}`)), link.click()]);
  const heading = await page.locator("h1").innerText();
  check(heading.length > 0, `the trial page has a heading (${heading})`);
  const body = await page.locator("main").innerText();
  check(body.includes("Decision notice") && body.includes(reference), "the trial page shows its decision notice");
  check(body.includes("Community-benefit conditions") && body.includes("Review milestones"), "the trial page shows conditions and milestones");
  check(!/@/.test(body), "the trial page shows no email address");
  const trialPath = `/register/${reference}`;

  // Keyboard: the skip link is the first thing focused and leads to the content.
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute("href"));
  check(focused === "#main", "the first Tab reaches the skip link");

  for (const path of ["/register", "/register?q=solar&per_page=1", "/register?q=xyzzy", trialPath, "/stats", "/learning", "/accessibility", "/privacy", "/cookies", "/no-such-page"]) {
    await accessible(path);
  }
  await page.goto(base + "/stats");
  check((await page.locator("svg[role=img]").count()) >= 3, "statistics are drawn as SVG charts");
} finally {
  await browser.close();
}

console.log(`browser: ${failures.length === 0 ? "all checks passed" : failures.length + " failed"}`);
process.exit(failures.length === 0 ? 0 : 1);
