// Helpers to drive Debian's Chromium with playwright-core (no browser download).
//
//   import { launch, openPage, login, screenshot, consoleErrors } from "./driver.mjs";
//
// Every helper takes plain values and throws with a message naming what it waited for.
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.MADLAB_CHROMIUM || "/usr/bin/chromium";

// Headless Chromium. WebGL runs on SwiftShader (software), so 3D viewers draw without a GPU.
export async function launch({ headless = true, args = [] } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless,
    args: [
      "--no-sandbox",
      "--disable-dev-shm-usage",
      "--use-angle=swiftshader",
      "--enable-unsafe-swiftshader",
      "--ignore-gpu-blocklist",
      ...args,
    ],
  });
}

// Console errors and uncaught exceptions of a page, minus the messages matching `ignore`
// (a list of { pattern: RegExp, why: string }: every ignored message needs a reason).
export function consoleErrors(page, ignore = []) {
  const errors = [];
  const ignored = [];
  const keep = (text) => {
    const rule = ignore.find((r) => r.pattern.test(text));
    if (rule) ignored.push({ text, why: rule.why });
    else errors.push(text);
  };
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const where = msg.location() && msg.location().url;
    keep(where ? `${msg.text()} [${where}]` : msg.text());
  });
  page.on("requestfailed", (req) => {
    keep(`request failed: ${req.url()} (${req.failure() && req.failure().errorText})`);
  });
  page.on("pageerror", (err) => keep(`uncaught: ${err.message}`));
  return { errors, ignored };
}

// A new page with a viewport big enough for the apps, its errors collected.
export async function openPage(browser, { ignore = [], width = 1280, height = 1600 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const log = consoleErrors(page, ignore);
  return { context, page, ...log };
}

// Log in: with a Jupyter token (?token=...) or through a JupyterHub login form.
export async function login(page, url, { token, username, password, timeout = 60000 } = {}) {
  if (token) {
    const sep = url.includes("?") ? "&" : "?";
    await page.goto(`${url}${sep}token=${encodeURIComponent(token)}`, { timeout });
    return;
  }
  await page.goto(url, { timeout });
  await page.fill("#username_input", username);
  await page.fill("#password_input", password);
  await Promise.all([page.waitForLoadState("load", { timeout }), page.click("#login_submit")]);
}

// Wait until `selector`'s text matches `pattern`; returns the text.
export async function waitForText(page, selector, pattern, timeout = 60000) {
  try {
    await page.waitForFunction(
      ([sel, source, flags]) => {
        const el = document.querySelector(sel);
        return el && new RegExp(source, flags).test(el.textContent || "");
      },
      [selector, pattern.source, pattern.flags],
      { timeout, polling: 500 },
    );
  } catch (err) {
    const now = await page.textContent(selector).catch(() => null);
    throw new Error(`timed out waiting for ${selector} to match ${pattern}; it shows: ${now}`);
  }
  return page.textContent(selector);
}

// Sizes of the canvases under `selector` (WebGL viewers draw into one).
export async function canvases(page, selector = "canvas") {
  return page.$$eval(selector, (els) =>
    els.map((c) => ({ width: c.width, height: c.height, visible: c.offsetWidth > 0 })),
  );
}

// A full-page screenshot at `path`; returns the path.
export async function screenshot(page, path, options = {}) {
  await page.screenshot({ path, fullPage: true, ...options });
  return path;
}

// Run `main` with a launched browser, print its result as one JSON line, close the browser.
export async function run(main) {
  const browser = await launch();
  try {
    const result = await main(browser);
    process.stdout.write(JSON.stringify(result) + "\n");
  } finally {
    await browser.close();
  }
}
