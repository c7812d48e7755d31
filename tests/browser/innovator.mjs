// An innovator's journey in headless Chromium, in three parts that tests/api/browser.rs runs in
// turn, doing the inspector's side through the API in between:
//
//   apply   create an account, confirm the email from its .eml file, start an application, get a
//           postcode wrong and put it right, sign out and in again, finish the task list, check
//           the answers and submit. Prints the application's id.
//   answer  answer the inspector's information request with a PDF attached.
//   trial   start the approved trial and send evidence for a condition, with a PDF attached.
//
// Every screen is checked with axe-core (no serious or critical violation), has one h1 and a
// title ending " – Planning Sandbox" ("Error: " first on a page with errors), shows no ISO dates
// or raw enum names, and is photographed at 1280 and 320 px wide (full page) into the screenshot
// folder; at 320 px no page may scroll sideways.
//
// With JavaScript disabled (variant "nojs") the page runs without it (see harness.mjs).
//
// Usage: node innovator.mjs '<json>' with {base, phase, variant: "js"|"nojs", email, password,
//   mailDir, shots, state, application?}. `state` is the file the cookies are kept in between the
//   parts. Prints `RESULT {...}` and exits non-zero on any failed check.
import { journey, mailLink, pdf } from "./harness.mjs";

const opts = JSON.parse(process.argv[2] || "{}");
const { base, phase, variant, email, password, mailDir, shots, state } = opts;
if (!base || !["apply", "answer", "trial"].includes(phase) || !["js", "nojs"].includes(variant)) {
  console.error("usage: node innovator.mjs '{\"base\":…,\"phase\":\"apply|answer|trial\",\"variant\":\"js|nojs\",…}'");
  process.exit(2);
}
const result = {};
const { page, check, failures, screen, go, button, banner, finish, close } =
  await journey({ variant, shots, prefix: "innovator", state, resume: phase !== "apply" });
try {
  async function tasks() {
    const out = {};
    for (const item of await page.locator(".govuk-task-list__item").all()) {
      const name = (await item.locator(".govuk-task-list__name-and-hint").innerText()).trim();
      out[name] = (await item.locator(".govuk-task-list__status").innerText()).trim();
    }
    return out;
  }
  const SECTIONS = ["About the project", "Site", "Derogations requested", "Community benefit and ownership",
                    "Safeguards and exit plan"];

  /// Opens a section from the task list and saves what `fill` entered, back on the task list.
  async function section(name, shot, fill) {
    await go(page.getByRole("link", { name, exact: true }), /\/applications\/\d+\/[a-z-]+$/);
    check((await page.locator("h1").innerText()).trim() === name, `the "${name}" page has its heading`);
    await fill();
    await screen(shot);
    await go(button("Save and continue"), /\/applications\/\d+$/);
    check((await tasks())[name] === "Completed", `"${name}" is completed on the task list`);
  }

  if (phase === "apply") {
    // 1. Create an account.
    await page.goto(base + "/create-account");
    await page.check("#role");
    await page.fill("#organisation-name", `Tidal Street Energy (${variant})`);
    await page.check('input[name="organisation.kind"][value="community_owned_enterprise"]');
    await page.fill("#display_name", "Ada Lovelace");
    await page.fill("#email", email);
    await page.fill("#password", password);
    await screen("01-create-account");
    await go(button("Create account"), /\/create-account\/check-your-email$/);
    check((await page.locator("h1").innerText()).includes("Check your email"), "after creating the account: Check your email");
    await screen("02-check-your-email");

    // 2. The link in the email, as the mail program would show it.
    const link = await mailLink(mailDir, email, /\/account\/verify-email\?token=[A-Za-z0-9_-]+/);
    check(!!link, `an .eml file to ${email} has the /account/verify-email link`);
    if (!link) throw new Error("no verification email");
    await page.goto(base + link);
    await screen("03-confirm-email");
    await go(button("Confirm my email address"), /\/applications$/);
    check((await banner()).includes("Your email address is confirmed and you are signed in"),
      "confirming signs in and says so");
    await screen("04-applications-confirmed");

    // 3. Start an application.
    await go(page.locator("a.govuk-button", { hasText: "Start a new application" }), /\/applications\/new$/);
    await screen("05-new-application");
    await page.locator('input[name="zone_id"]').first().check();
    await page.fill("#title", "Rooftop solar on Tidal Street terraces");
    await go(button("Save and continue"), /\/applications\/\d+$/);
    const id = Number(new URL(page.url()).pathname.split("/").pop());
    result.application = id;
    const first = await tasks();
    for (const s of SECTIONS) check(first[s] === "Not started", `a new draft has "${s}" not started (${first[s]})`);
    await screen("06-task-list");

    // 4. A wrong postcode, then the right one.
    await go(page.getByRole("link", { name: "Site", exact: true }), new RegExp(`/applications/${id}/site$`));
    await page.fill("#site_address", "1–40 Tidal Street, Brixton, London");
    await page.fill("#site_postcode", "NOT A POSTCODE");
    await screen("07-site");
    await go(button("Save and continue"), new RegExp(`/applications/${id}/site$`));
    check(await page.locator(".govuk-error-summary").isVisible(), "a wrong postcode shows the error summary");
    check((await page.locator('.govuk-error-summary a[href="#site_postcode"]').count()) === 1,
      "the error summary links to the postcode");
    check((await page.inputValue("#site_postcode")) === "NOT A POSTCODE", "the wrong postcode is kept in the box");
    check((await page.inputValue("#site_address")).includes("Tidal Street"), "the address is kept");
    await screen("08-site-error", { error: true });
    await page.fill("#site_postcode", "SW9 8EL");
    await go(button("Save and continue"), new RegExp(`/applications/${id}$`));
    check((await tasks())["Site"] === "Completed", "with a real postcode the site is completed");
    await screen("09-task-list-site-done");

    // 5. Sign out and back in.
    await go(page.locator("header form.app-sign-out button", { hasText: "Sign out" }), /\/signed-out$/);
    check((await page.locator("h1").innerText()).includes("You have signed out"), "signing out says so");
    await screen("10-signed-out");
    await page.goto(base + "/sign-in");
    await page.fill("#email", email);
    await page.fill("#password", password);
    await screen("11-sign-in");
    await go(button("Sign in"), /\/applications$/);
    await screen("12-applications");
    await go(page.locator(`a[href="/applications/${id}"]`).first(), new RegExp(`/applications/${id}$`));

    // 6. The rest of the task list.
    await section("About the project", "13-about", async () => {
      await page.fill("#summary", "Forty terraced homes share rooftop solar panels owned by their co-operative.");
      await page.check('input[name="intervention"][value="solar_pv"]');
      await page.fill("#innovation_statement", "Shared ownership across a terrace with one grid connection.");
      const start = new Date(Date.now() + 61 * 86_400_000);
      await page.fill("#proposed_start_date-day", String(start.getUTCDate()));
      await page.fill("#proposed_start_date-month", String(start.getUTCMonth() + 1));
      await page.fill("#proposed_start_date-year", String(start.getUTCFullYear()));
      await page.fill("#proposed_duration_months", "12");
    });
    await section("Derogations requested", "14-derogations", async () => {
      const box = page.locator('input[name="provisions"]').first();
      const code = await box.getAttribute("value");
      result.provision = code;
      await box.check();
      const shown = await page.locator(`[id="conditional-${code}"]`).isVisible();
      console.log(`     the boxes for ${code} are ${shown ? "visible" : "hidden"} once it is ticked`);
      check(shown, `the justification and scope boxes of ${code} can be filled in`);
      await page.fill(`[id="justification-${code}"]`, "The front roof slopes face south and need the rule relaxed.");
      await page.fill(`[id="scope-${code}"]`, "Roofs of 1–40 Tidal Street only");
      await page.fill("#need_for_derogation", "Panels on front roof slopes in a conservation area need planning permission.");
    });
    await section("Community benefit and ownership", "15-community-benefit", async () => {
      await page.fill("#community_ownership_pct", "60");
      await page.fill("#estimated_annual_co2e_tonnes", "40");
    });
    await section("Safeguards and exit plan", "16-safeguards", async () => {
      await page.fill("#safeguards", "Black-framed panels, nothing above 0.2 m, and a heritage officer's review.");
      await page.fill("#exit_plan", "Panels removed and roofs made good within 3 months of the trial's end.");
    });
    const done = await tasks();
    for (const s of SECTIONS) check(done[s] === "Completed", `"${s}" is completed (${done[s]})`);
    await screen("17-task-list-complete");

    // 7. Check and submit.
    await go(page.getByRole("link", { name: "Check your answers and submit" }), new RegExp(`/applications/${id}/check-answers$`));
    const changes = await page.locator(".govuk-summary-list__actions a", { hasText: "Change" }).count();
    check(changes >= 10, `the check-answers page has Change links (${changes})`);
    await screen("18-check-answers");
    await go(button("Accept and submit"), new RegExp(`/applications/${id}/submitted$`));
    check((await page.locator(".govuk-panel__title").innerText()).includes("Application submitted"), "the panel says submitted");
    const reference = (await page.locator(".govuk-panel__body strong").innerText()).trim();
    result.reference = reference;
    check(/^[A-Z]{3}-\d{4}-\d{5,6}$/.test(reference), `the panel shows the reference (${reference})`);
    await screen("19-submitted");
  }

  if (phase === "answer") {
    // 9. Answer the inspector's question.
    const id = opts.application;
    await page.goto(`${base}/applications/${id}`);
    check(page.url().endsWith(`/applications/${id}`), "still signed in after the inspector's turn");
    const body = await page.locator("main").innerText();
    check(body.includes("Information requests") && body.includes("Waiting for you"), "the case shows the open information request");
    await screen("20-case-information-requested");
    await go(page.locator(".govuk-summary-card__actions a", { hasText: "Answer" }).first(),
      new RegExp(`/applications/${id}/information-requests/\\d+$`));
    await page.fill("#answer", "The co-operative maintains the panels; its maintenance plan is attached.");
    await page.setInputFiles("#attachments", { name: "plan.pdf", mimeType: "application/pdf", buffer: pdf() });
    await screen("21-answer");
    await go(button("Send the answer"), new RegExp(`/applications/${id}$`));
    check((await banner()).includes("Your answer has been sent to the inspector"), "the answer is confirmed");
    check((await page.locator("main a", { hasText: "plan.pdf" }).count()) === 1, "the case links to the attached plan.pdf");
    await screen("22-case-answered");
  }

  if (phase === "trial") {
    // 10. Start the approved trial and send evidence.
    const id = opts.application;
    await page.goto(`${base}/applications/${id}`);
    check((await page.locator("main").innerText()).includes("Community-benefit conditions"), "the approved case lists its conditions");
    await screen("23-case-approved");
    await go(button("Start the trial"), new RegExp(`/applications/${id}$`));
    check((await banner()).includes("The trial has started"), "starting the trial says so");
    await screen("24-case-active");
    await go(page.locator(".govuk-summary-card__actions a", { hasText: "Send evidence" }).first(),
      new RegExp(`/applications/${id}/conditions/\\d+/evidence$`));
    await page.fill("#body", "We paid £5,200 into the community energy fund in the first six months.");
    await page.fill("#reported_value", "5200");
    await page.setInputFiles("#file", { name: "fund-statement.pdf", mimeType: "application/pdf", buffer: pdf() });
    await screen("25-evidence");
    await go(button("Send the evidence"), new RegExp(`/applications/${id}$`));
    check((await banner()).includes("Your evidence has been sent to the inspector"), "the evidence is confirmed");
    await screen("26-case-evidence-sent");
  }

  await finish();
} catch (e) {
  check(false, `the journey goes on: ${e.message.split("\n")[0]}`);
  console.log(e.stack);
  await close();
}

console.log(`RESULT ${JSON.stringify(result)}`);
console.log(`innovator ${phase} (${variant}): ${failures.length === 0 ? "all checks passed" : failures.length + " failed"}`);
process.exit(failures.length === 0 ? 0 : 1);
