// A community member's journey in headless Chromium, in parts that tests/api/browser.rs runs in
// turn, checking what was stored and emailed in between:
//
//   join    a resident creates an account, confirms it from the .eml file, finds the trial on the
//           register, follows it and its zone, posts an observation (empty first, and the errors
//           seen), disputes a condition's evidence (without a comment first) and sees the dispute
//           on the page at once; /following lists both follows. Prints the observation's id.
//   report  three other residents, one after the other, report that observation from the trial
//           page; after the third it is gone from the public page.
//
// Every screen gets the checks of harness.mjs (axe, one h1, the title, no ISO dates or raw enum
// names, no sideways scrolling at 320 px) and its screenshots, error states included.
//
// Usage: node community.mjs '<json>' with {base, phase, variant: "js"|"nojs", email, password,
//   mailDir, shots, state, reference, reporters?, observation?}. Prints `RESULT {...}`.
import { journey, mailLink } from "./harness.mjs";

const opts = JSON.parse(process.argv[2] || "{}");
const { base, phase, variant, email, password, mailDir, shots, state, reference } = opts;
const PHASES = ["join", "report"];
if (!base || !PHASES.includes(phase) || !["js", "nojs"].includes(variant)) {
  console.error(`usage: node community.mjs '{"base":…,"phase":"${PHASES.join("|")}","variant":"js|nojs",…}'`);
  process.exit(2);
}
const result = {};
const { page, check, failures, screen, go, button, banner, finish, close } =
  await journey({ variant, shots, prefix: "community", state, resume: false });
const trialPath = `/register/${reference}`;
const trialUrl = new RegExp(`/register/${reference}(#[a-z0-9-]*)?$`);
const text = async () => page.locator("main").innerText();

async function signIn(who) {
  await page.goto(base + "/sign-in");
  await page.fill("#email", who);
  await page.fill("#password", password);
  await go(button("Sign in"), /\/account$/);
}

async function signOut() {
  await go(page.locator("header form.app-sign-out button", { hasText: "Sign out" }), /\/signed-out$/);
}

try {
  if (phase === "join") {
    // 1. An account, confirmed from the email.
    await page.goto(base + "/create-account");
    await page.check('input[name="role"][value="community"]');
    await page.fill("#display_name", "Rosa Resident");
    await page.fill("#email", email);
    await page.fill("#password", password);
    await screen("01-create-account");
    await go(button("Create account"), /\/create-account\/check-your-email$/);
    const link = await mailLink(mailDir, email, /\/account\/verify-email\?token=[A-Za-z0-9_-]+/);
    check(!!link, `an .eml file to ${email} has the /account/verify-email link`);
    if (!link) throw new Error("no verification email");
    await page.goto(base + link);
    await go(button("Confirm my email address"), /\/account$/);
    check((await banner()).includes("Your email address is confirmed"), "confirming says so");
    check((await page.locator("header").innerText()).includes("Following"), "the navigation has Following");

    // 2. The trial on the register.
    // The resident finds it with the register's search box, by its reference.
    await go(page.locator("header").getByRole("link", { name: "Register", exact: true }), /\/register$/);
    await page.fill("#q", reference);
    await go(button("Search"), /\/register\?/);
    check((await page.locator("table tbody tr").count()) === 1, "the search finds exactly the trial");
    await screen("02-register-search");
    await go(page.getByRole("link", { name: reference, exact: true }), trialUrl);
    await screen("03-trial");

    // 3. Follow the trial and its zone.
    await go(button("Follow this trial"), trialUrl);
    check((await banner()).includes("You are following this trial"), "following the trial says so");
    await go(page.locator("button", { hasText: "Follow this zone" }), trialUrl);
    check((await banner()).includes("You are following this zone"), "following the zone says so");
    check((await page.locator("button", { hasText: "Unfollow this trial" }).count()) === 1, "the trial can be unfollowed");
    await screen("04-trial-following");

    // 4. An observation: empty first, then a comment.
    await go(button("Post your observation"), new RegExp(`/register/${reference}/observations$`));
    check(await page.locator(".govuk-error-summary").isVisible(), "an empty observation shows the error summary");
    check((await page.locator('.govuk-error-summary a[href="#kind"]').count()) === 1, "the summary links to the kind");
    check((await page.locator('.govuk-error-summary a[href="#body"]').count()) === 1, "the summary links to the text");
    await screen("05-observation-error", { error: true });
    await page.check('input[name="kind"][value="comment"]');
    const words = `Deliveries for the panels came before 8am on Tuesday (${variant}).`;
    await page.fill("#body", words);
    await go(button("Post your observation"), trialUrl);
    check((await banner()).includes("Your comment is published on this trial"), "the comment is confirmed");
    const posted = page.locator("li.app-observation", { hasText: words });
    check((await posted.count()) === 1, "the comment is on the page");
    result.observation = Number(((await posted.getAttribute("id")) || "").replace("observation-", ""));
    await screen("06-observation-posted");

    // 5. Dispute the fund's evidence: without a comment first.
    const fund = page.locator(".govuk-summary-card", { hasText: "Community energy fund" });
    check((await fund.innerText()).includes("against a target of £5,000"), "the evidence is shown against its target");
    await fund.locator('input[name="stance"][value="dispute"]').check();
    await go(fund.locator("button", { hasText: "Send" }), /\/conditions\/\d+\/attestations$/);
    check(await page.locator(".govuk-error-summary").isVisible(), "a dispute without a comment shows the error summary");
    check((await page.locator(".govuk-error-summary").innerText()).includes("Enter a comment"), "the summary asks for a comment");
    await screen("07-dispute-error", { error: true });
    const again = page.locator(".govuk-summary-card", { hasText: "Community energy fund" });
    check(await again.locator('input[name="stance"][value="dispute"]').isChecked(), "the choice is kept");
    await again.locator('textarea[name="comment"]').fill(`Nothing was paid into the fund by November (${variant}).`);
    await go(again.locator("button", { hasText: "Send" }), trialUrl);
    check((await banner()).includes("You disputed the evidence for: Community energy fund"), "the dispute is confirmed");
    const disputed = await page.locator(".govuk-summary-card", { hasText: "Community energy fund" }).innerText();
    check(disputed.includes("1 disputed") && disputed.includes(`Nothing was paid into the fund by November (${variant}).`),
      "the dispute shows on the page at once");
    await screen("08-disputed");

    // 6. What one follows.
    await go(page.locator("header").getByRole("link", { name: "Following", exact: true }), /\/following$/);
    const following = await text();
    check(following.includes(reference) && following.includes("Bristol Harbourside Net Zero Zone"),
      "/following lists the trial and the zone");
    check((await page.locator("button", { hasText: "Unfollow" }).count()) === 2, "each has Unfollow");
    await screen("09-following");
    await go(page.getByRole("link", { name: "Bristol Harbourside Net Zero Zone", exact: true }), /\/zones\/\d+$/);
    check((await text()).includes(reference), "the zone page lists the trial");
    await screen("10-zone");
  }

  if (phase === "report") {
    const oid = opts.observation;
    const reporters = opts.reporters || [];
    for (const [i, who] of reporters.entries()) {
      await signIn(who);
      await page.goto(base + trialPath);
      const item = page.locator(`#observation-${oid}`);
      check((await item.count()) === 1, `${who} sees the observation before reporting it`);
      await go(item.getByRole("link", { name: /Report as inappropriate/ }), new RegExp(`/observations/${oid}/report$`));
      if (i === 0) await screen("11-report-confirm");
      await page.fill("#reason", "It names a delivery driver's employer and route.");
      await go(button("Report this observation"), trialUrl);
      check((await banner()).includes("your report has been sent to the moderators"), `${who}'s report is confirmed`);
      if (i === 0) await screen("12-reported");
      await signOut();
    }
    await page.goto(base + trialPath);
    check((await page.locator(`#observation-${oid}`).count()) === 0, "after three reports the observation is gone from the public page");
    await screen("13-trial-after-reports");
  }
  await finish();
} catch (e) {
  check(false, `the journey goes on: ${e.message.split("\n")[0]}`);
  console.log(e.stack);
  await close();
}

console.log(`RESULT ${JSON.stringify(result)}`);
console.log(`community ${phase} (${variant}): ${failures.length === 0 ? "all checks passed" : failures.length + " failed"}`);
process.exit(failures.length === 0 ? 0 : 1);
