// Open the Voila "Dock a ligand" app, run the example, wait for the job and the 3D view.
// Environment: MADLAB_SERVER_URL (ending in /), MADLAB_TOKEN, MADLAB_ARTIFACTS (a folder),
// MADLAB_QUERY (extra query string, e.g. exhaustiveness=2&seed=1).
import { run, openPage, login, waitForText, canvases, screenshot } from "./driver.mjs";

const base = process.env.MADLAB_SERVER_URL;
const out = process.env.MADLAB_ARTIFACTS;
const query = process.env.MADLAB_QUERY || "";

// Benign messages, each with its reason.
const IGNORE = [
  {
    pattern: /https:\/\/cdn\.jsdelivr\.net\/npm\/@fortawesome\//,
    why: "Voila's page template links Font Awesome from a CDN; offline, buttons lose their icons only",
  },
  {
    pattern: /https:\/\/cdnjs\.cloudflare\.com\/ajax\/libs\/mathjax\//,
    why: "Voila's page template loads MathJax from a CDN; the app shows no equations",
  },
];

await run(async (browser) => {
  const { page, errors, ignored } = await openPage(browser, { ignore: IGNORE });
  const steps = [];
  const app = `${base}voila/render/notebooks/dock_a_ligand.ipynb?${query}`;
  await login(page, app, { token: process.env.MADLAB_TOKEN, timeout: 120000 });
  await page.waitForSelector("button.madlab-run", { timeout: 240000 });
  steps.push("app shown");
  await page.click("button.madlab-run");
  steps.push("run clicked");
  await waitForText(page, ".madlab-status", /job \w+/, 60000);
  const summary = await waitForText(page, ".madlab-summary", /succeeded|failed|cancelled/, 600000);
  steps.push(`job ended: ${summary}`);
  let found = [];
  let failure = null;
  if (/succeeded/.test(summary)) {
    try {
      await page.waitForSelector(".madlab-results canvas", { timeout: 120000 });
    } catch (err) {
      failure = `no 3D canvas in the results: ${err.message.split("\n")[0]}`;
    }
  }
  if (!failure && /succeeded/.test(summary)) {
    // nglview loads the structures after the canvas exists: give it time to draw
    await page.waitForTimeout(5000);
    found = await canvases(page, ".madlab-results canvas");
    const canvas = page.locator(".madlab-results canvas").first();
    await canvas.scrollIntoViewIfNeeded();
    await canvas.screenshot({ path: `${out}/dock_app_viewer.png` });
  }
  const shot = await screenshot(page, `${out}/dock_app.png`);
  return {
    steps,
    summary,
    status: await page.textContent(".madlab-status"),
    canvases: found,
    screenshot: shot,
    viewer_png: found.length ? `${out}/dock_app_viewer.png` : null,
    failure,
    results_html: failure ? (await page.innerHTML(".madlab-results")).slice(0, 4000) : null,
    errors,
    ignored,
  };
});
