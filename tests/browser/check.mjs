// Opens the public pages in headless Chromium as a person would: the register, a filter, a trial
// page; and runs axe-core on the register, trial, statistics, learning and information pages and a
// "Page not found" page. Exits non-zero on any failure or any serious or critical accessibility
// violation.
//
// Usage: node check.mjs <base url>   (CHROMIUM overrides /usr/bin/chromium)
import { chromium } from "playwright-core";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axePath = require.resolve("axe-core/axe.min.js");
const base = process.argv[2];
if (!base) {
  console.error("usage: node check.mjs <base url>");
  process.exit(2);
}

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
  const page = await browser.newPage();

  async function accessible(path) {
    await page.goto(base + path);
    await page.addScriptTag({ path: axePath });
    const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
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

  for (const path of ["/register", trialPath, "/stats", "/learning", "/accessibility", "/privacy", "/cookies", "/no-such-page"]) {
    await accessible(path);
  }
  await page.goto(base + "/stats");
  check((await page.locator("svg[role=img]").count()) >= 3, "statistics are drawn as SVG charts");
} finally {
  await browser.close();
}

console.log(`browser: ${failures.length === 0 ? "all checks passed" : failures.length + " failed"}`);
process.exit(failures.length === 0 ? 0 : 1);
