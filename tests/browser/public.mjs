// The public pages in headless Chromium, as a visitor without an account reads them, with
// JavaScript and without: the register (and a filter in error), a decision notice with what was
// proposed, the screening and a question with its answer, the statistics, the learning register,
// the open data page and "Page not found". Every screen gets the checks of harness.mjs (axe, one
// h1, the title, no ISO dates or raw enum names, no sideways scrolling at 320 px) and its
// screenshots (`public-<variant>-<name>-{1280,320}.png`).
//
// Usage: node public.mjs '<json>' with {base, variant: "js"|"nojs", shots, reference}.
import { journey } from "./harness.mjs";

const opts = JSON.parse(process.argv[2] || "{}");
const { base, variant, shots, reference } = opts;
if (!base || !reference || !["js", "nojs"].includes(variant)) {
  console.error(`usage: node public.mjs '{"base":…,"variant":"js|nojs","shots":…,"reference":…}'`);
  process.exit(2);
}
const { page, check, failures, screen, finish, close } = await journey({ variant, shots, prefix: "public" });
const text = async () => page.locator("main").innerText();
try {
  await page.goto(`${base}/register`);
  check((await page.locator("table tbody tr").count()) >= 2, "the register lists the entries");
  await screen("01-register");

  await page.goto(`${base}/register?year=last`);
  check((await page.locator(".govuk-error-summary").innerText()).includes("year"), "a bad filter is named in the error summary");
  await screen("02-register-error", { error: true });

  await page.goto(`${base}/register/${reference}`);
  const notice = await text();
  for (const part of ["What was proposed", "Why the planning rules block it", "Screening", "Questions and answers",
                      "Community-benefit conditions"]) {
    check(notice.includes(part), `the decision notice has "${part}"`);
  }
  check(!/@/.test(notice), "the decision notice shows no email address");
  await screen("03-decision-notice");

  await page.goto(`${base}/stats`);
  check((await page.locator("svg[role=img]").count()) >= 5, "the statistics are drawn as SVG charts");
  // Every label of every chart fits inside its chart, at this width and on a phone.
  for (const width of [1280, 320]) {
    await page.setViewportSize({ width, height: 900 });
    const clipped = await page.evaluate(() => {
      const out = [];
      for (const svg of document.querySelectorAll("svg.chart")) {
        const box = svg.getBoundingClientRect();
        for (const t of svg.querySelectorAll("text")) {
          const r = t.getBoundingClientRect();
          if (r.left < box.left - 1 || r.right > box.right + 1) out.push(`${t.textContent} (${Math.round(r.right)} > ${Math.round(box.right)})`);
        }
      }
      return out;
    });
    check(clipped.length === 0, `no chart label is cut off at ${width} px${clipped.length ? `: ${clipped.slice(0, 3).join("; ")}` : ""}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  check((await text()).includes("Decisions over time"), "the statistics show decisions over time");
  await screen("04-statistics");

  await page.goto(`${base}/learning`);
  await screen("05-learning");

  await page.goto(`${base}/open-data`);
  const open = await text();
  check(open.includes("Open Government Licence") && open.includes("postcode_district"), "the open data page names the licence and the columns");
  await screen("06-open-data");

  const missing = await page.goto(`${base}/register/SBX-1999-00000`);
  check(missing.status() === 404, "an unknown reference is Page not found");
  await screen("07-not-found");
  await finish();
} catch (e) {
  check(false, `the journey goes on: ${e.message.split("\n")[0]}`);
  console.log(e.stack);
  await close();
}

console.log("RESULT {}");
console.log(`public (${variant}): ${failures.length === 0 ? "all checks passed" : failures.length + " failed"}`);
process.exit(failures.length === 0 ? 0 : 1);
