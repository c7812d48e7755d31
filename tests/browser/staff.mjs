// The staff's journey in headless Chromium, in parts that tests/api/browser.rs runs in turn, doing
// the innovator's side through the API in between:
//
//   invite   an admin invites an inspector from /admin/users; the inspector chooses a password from
//            the emailed link and signs in, landing on the work queue.
//   take     that inspector finds the submitted case in Unassigned, assigns it to themselves,
//            screens it (one criterion first left blank, and the error seen), and asks for
//            information with a file attached.
//   decide   the answer is waiting in Needs review; the inspector approves with two conditions and
//            the default milestones after the check page, and starts the trial.
//   monitor  the evidence is waiting in Needs review; accepting it below target is refused without
//            a reason and then recorded with one; the trial is suspended after the confirmation
//            page and reinstated; the public trial page shows all of it.
//
// Every screen gets the checks of harness.mjs (axe, one h1, the title, no ISO dates or raw enum
// names, no sideways scrolling at 320 px) and its screenshots.
//
// Usage: node staff.mjs '<json>' with {base, phase, variant: "js"|"nojs", admin, adminPassword,
//   inspector, password, mailDir, shots, state, application?, reference?}. Prints `RESULT {...}`.
import { journey, mailLink, pdf } from "./harness.mjs";

const opts = JSON.parse(process.argv[2] || "{}");
const { base, phase, variant, mailDir, shots, state } = opts;
const PHASES = ["invite", "take", "decide", "monitor"];
if (!base || !PHASES.includes(phase) || !["js", "nojs"].includes(variant)) {
  console.error(`usage: node staff.mjs '{"base":…,"phase":"${PHASES.join("|")}","variant":"js|nojs",…}'`);
  process.exit(2);
}
const result = {};
const { page, check, failures, screen, go, button, banner, finish, close } =
  await journey({ variant, shots, prefix: "staff", state, resume: phase !== "invite" });
const id = opts.application;
const text = async () => page.locator("main").innerText();
const link = (name) => page.getByRole("link", { name, exact: true });
const caseUrl = new RegExp(`/casework/${id}$`);
/// Shows a tab of the case page (with JavaScript the others are hidden; without, it is a jump).
const tab = async (name) => page.locator(`a.govuk-tabs__tab[href="#${name}"]`).click();
const dateBoxes = async (name, date) => {
  await page.fill(`[name="${name}-day"]`, String(date.getUTCDate()));
  await page.fill(`[name="${name}-month"]`, String(date.getUTCMonth() + 1));
  await page.fill(`[name="${name}-year"]`, String(date.getUTCFullYear()));
};
const daysFromNow = (n) => new Date(Date.now() + n * 86_400_000);

try {
  if (phase === "invite") {
    await page.goto(base + "/sign-in");
    await page.fill("#email", opts.admin);
    await page.fill("#password", opts.adminPassword);
    await go(button("Sign in"), /\/casework$/);
    await go(page.locator("header").getByRole("link", { name: "Admin" }), /\/admin\/users$/);
    await screen("01-admin-users");
    await go(page.locator(`main a[href="/admin/users/invite"]`), /\/admin\/users\/invite$/);
    await page.fill("#email", "not an email");
    await page.fill("#display_name", "Iris Inspector");
    await page.check('input[name="role"][value="inspector"]');
    await go(button("Send the invitation"), /\/admin\/users\/invite$/);
    check(await page.locator(".govuk-error-summary").isVisible(), "a bad email address shows the error summary");
    await screen("02-invite-error", { error: true });
    await page.fill("#email", opts.inspector);
    await go(button("Send the invitation"), /\/admin\/users\/\d+$/);
    check((await banner()).includes("has been invited as inspector"), "the invitation is confirmed");
    await screen("03-invited");
    await go(page.locator("header form.app-sign-out button", { hasText: "Sign out" }), /\/signed-out$/);

    const invitation = await mailLink(mailDir, opts.inspector, /\/account\/reset-password\?token=[A-Za-z0-9_-]+/);
    check(!!invitation, `an .eml file to ${opts.inspector} links to the page that sets a password`);
    if (!invitation) throw new Error("no invitation email");
    await page.goto(base + invitation);
    await page.fill("#new_password", opts.password);
    await page.fill("#confirm_password", opts.password);
    await screen("04-choose-password");
    await page.locator("button", { hasText: "Save the new password" }).click();
    await page.waitForLoadState();
    await page.goto(base + "/sign-in");
    await page.fill("#email", opts.inspector);
    await page.fill("#password", opts.password);
    await go(button("Sign in"), /\/casework$/);
    check((await page.locator("h1").innerText()).includes("Casework"), "the new inspector lands on the work queue");
    await screen("05-queue-first-sign-in");
  }

  if (phase === "take") {
    await page.goto(base + "/casework");
    check((await text()).includes(opts.reference), `Unassigned lists ${opts.reference}`);
    await screen("06-queue-unassigned");
    await go(link(opts.reference), caseUrl);
    await screen("07-case-submitted");
    await go(button("Assign to me"), caseUrl);
    check((await banner()).includes("The case has been assigned to you"), "assigning says so");
    await screen("08-case-assigned");

    await go(link("Screen the application"), new RegExp(`/casework/${id}/screening$`));
    for (let i = 0; i < 6; i++) {
      await page.check(`[name="criteria[${i}].outcome"][value="met"]`);
      await page.fill(`[name="criteria[${i}].note"]`, "Satisfied on the evidence given.");
    }
    await screen("09-screening");
    await go(button("Continue"), new RegExp(`/casework/${id}/screening$`));
    check(await page.locator(".govuk-error-summary").isVisible(), "a criterion left blank shows the error summary");
    check((await page.locator(".govuk-error-summary").innerText()).toLowerCase().includes("exit plan"),
      "the error names the exit plan criterion");
    check((await page.inputValue('[name="criteria[0].note"]')).includes("Satisfied"), "the notes are kept");
    await screen("10-screening-error", { error: true });
    await page.check('[name="criteria[6].outcome"][value="met"]');
    await page.fill('[name="criteria[6].note"]', "A credible plan to remove the equipment.");
    await go(button("Continue"), new RegExp(`/casework/${id}/screening$`));
    check((await text()).includes("All seven criteria are met"), "the check page states the result");
    await screen("11-screening-check");
    await go(button("Record the screening"), caseUrl);
    check((await banner()).includes("Screening recorded"), "the screening is recorded");

    await go(link("Request information"), new RegExp(`/casework/${id}/request-information$`));
    const due = await page.inputValue('[name="due_on-year"]');
    check(due !== "", "the due date is filled in for the inspector");
    await page.fill("#question", "Who will maintain the panels, and how often?");
    await page.setInputFiles("#attachments", { name: "maintenance-template.pdf", mimeType: "application/pdf", buffer: pdf() });
    await screen("12-request-information");
    await go(button("Send the question"), caseUrl);
    check((await banner()).includes("Your question has been sent to the applicant"), "the question is sent");
    check((await text()).includes("Clock paused"), "the case page says the clock is paused");
    await screen("13-case-information-requested");
  }

  if (phase === "decide") {
    await page.goto(base + "/casework?tab=needs-review");
    check((await text()).includes(opts.reference), `Needs review lists ${opts.reference} once it is answered`);
    await screen("14-queue-needs-review");
    await go(link(opts.reference), caseUrl);
    await tab("information-requests");
    check((await text()).includes("We maintain them monthly"), "the answer is on the case page");
    await go(link("Approve"), new RegExp(`/casework/${id}/approve$`));
    // The trial starts today (the form offers the applicant's proposed dates), for a year, with
    // the default milestones for those dates.
    const today = daysFromNow(0);
    await dateBoxes("trial_start_date", today);
    await dateBoxes("trial_end_date", new Date(Date.UTC(today.getUTCFullYear() + 1, today.getUTCMonth(), today.getUTCDate() - 1)));
    await go(button("Use the default schedule for the trial dates"), new RegExp(`/casework/${id}/approve$`));
    await page.fill("#reasons", "Genuine community ownership, with safeguards that protect the street.");
    await page.locator('input[name="grant"]').first().check();
    await page.fill('[name="derogations[0].limits"]', "Front roof slopes only; black frames.");
    const start = daysFromNow(0);
    await page.selectOption('[name="conditions[0].category"]', "community_fund");
    await page.fill('[name="conditions[0].description"]', "Community energy fund");
    await page.fill('[name="conditions[0].metric"]', "Annual payment into the fund");
    await page.fill('[name="conditions[0].target_value"]', "5000");
    await page.fill('[name="conditions[0].unit"]', "GBP");
    await dateBoxes("conditions[0].due_on", new Date(start.getTime() + 180 * 86_400_000));
    await go(button("Add another condition"), new RegExp(`/casework/${id}/approve$`));
    check((await page.inputValue('[name="conditions[0].description"]')) === "Community energy fund",
      "adding a condition keeps the first");
    await page.selectOption('[name="conditions[1].category"]', "bill_savings");
    await page.fill('[name="conditions[1].description"]', "Lower bills for households");
    await page.fill('[name="conditions[1].metric"]', "Households with lower bills");
    await page.fill('[name="conditions[1].target_value"]', "40");
    await page.fill('[name="conditions[1].unit"]', "households");
    await dateBoxes("conditions[1].due_on", new Date(start.getTime() + 300 * 86_400_000));
    const milestones = await page.locator('[name$=".title"][name^="milestones["]').count();
    check(milestones >= 2, `the default milestone schedule is shown (${milestones} rows)`);
    await screen("15-approve");
    await go(button("Continue"), new RegExp(`/casework/${id}/approve$`));
    const summary = await text();
    check(summary.includes("Community energy fund") && summary.includes("Lower bills for households"),
      "the check page lists both conditions");
    check(/publish|register/i.test(summary) && /email/i.test(summary), "the check page says what is published and who is emailed");
    await screen("16-approve-check");
    await go(button("Confirm and approve"), caseUrl);
    check((await banner()).includes("Application approved"), "the approval is confirmed");
    await screen("17-case-approved");
    await go(link("Start the trial"), new RegExp(`/casework/${id}/start$`));
    await screen("18-start");
    await go(button("Start the trial"), caseUrl);
    check((await banner()).includes("Trial started"), "starting the trial says so");
  }

  if (phase === "monitor") {
    await page.goto(base + "/casework?tab=needs-review");
    check((await text()).includes(opts.reference), `Needs review lists ${opts.reference} once evidence arrives`);
    await go(link(opts.reference), caseUrl);
    await tab("monitoring");
    await screen("19-case-monitoring");
    const href = await page.locator(`main a[href^="/casework/${id}/conditions/"]`).first().getAttribute("href");
    await go(page.locator(`main a[href="${href}"]`).first(), new RegExp(`${href}$`));
    check((await text()).toLowerCase().includes("below target"), "the review says the evidence is below target");
    await page.check('input[name="outcome"][value="met"]');
    await page.fill("#note", "The fund statement shows the payment.");
    await screen("20-evidence-review");
    await go(button("Save the decision"), new RegExp(`${href}$`));
    const refusal = await page.locator(".govuk-error-summary").innerText();
    check(/reason/i.test(refusal), `meeting it below target without a reason is refused ("${refusal.replace(/\s+/g, " ")}")`);
    await screen("21-evidence-review-error", { error: true });
    await page.check('input[name="outcome"][value="met"]');
    await page.fill("#note", "The fund statement shows the payment.");
    await page.fill("#below_target_reason", "The shortfall is a timing difference; the rest is paid next month.");
    await go(button("Save the decision"), caseUrl);
    check((await banner()).includes("Condition marked as met"), "the condition is met");

    await go(link("Suspend the trial"), new RegExp(`/casework/${id}/suspend$`));
    await page.fill("#reasons", "Noise complaints from neighbours are being investigated.");
    await screen("22-suspend");
    await go(button("Continue"), new RegExp(`/casework/${id}/suspend$`));
    const confirm = await text();
    check(/publish|register/i.test(confirm) && /email/i.test(confirm),
      "the confirmation page says what is published and who is emailed");
    await screen("23-suspend-confirm");
    await go(button("Suspend the trial"), caseUrl);
    check((await banner()).includes("Trial suspended"), "the suspension is confirmed");
    await go(link("Reinstate the trial"), new RegExp(`/casework/${id}/reinstate$`));
    await page.fill("#reasons", "The noise was traced elsewhere.");
    await go(button("Continue"), new RegExp(`/casework/${id}/reinstate$`));
    await go(button("Reinstate the trial"), caseUrl);
    check((await banner()).includes("Trial reinstated"), "the reinstatement is confirmed");
    await screen("24-case-reinstated");

    await page.goto(`${base}/register/${opts.reference}`);
    const notice = await text();
    check(notice.includes("Community energy fund") && notice.includes("Lower bills for households"),
      "the public trial page lists both conditions");
    check(/suspen/i.test(notice) && /reinstat/i.test(notice), "the public trial page shows the suspension and the reinstatement");
    await screen("25-public-trial");
  }
  await finish();
} catch (e) {
  check(false, `the journey goes on: ${e.message.split("\n")[0]}`);
  console.log(e.stack);
  await close();
}

console.log(`RESULT ${JSON.stringify(result)}`);
console.log(`staff ${phase} (${variant}): ${failures.length === 0 ? "all checks passed" : failures.length + " failed"}`);
process.exit(failures.length === 0 ? 0 : 1);
