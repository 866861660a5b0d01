// Two users of the madlab JupyterHub in a real browser (driven by tests/e2e/test_hub_browser.py).
//
// Environment: MADLAB_HUB_URL (ending in /), MADLAB_ARTIFACTS (screenshot folder),
// MADLAB_E2E_PHASE ("alice" or "carol"), MADLAB_QUERY (the dock app's query string),
// and for carol MADLAB_JOB_ID, MADLAB_RESULT_ID, MADLAB_FILE_ROLES (comma separated).
//
// alice (organization alpha): logs in, docks the example in the Voila app, watches the job
// end and the pose drawn in 3D, then opens JupyterLab and reads the job with madlab.client.
// carol (organization beta): logs in, finds no trace of the job in her JupyterLab, the job
// monitor or the API (404 for the job, its results and its files).
import { run, openPage, login, waitForText, canvases, screenshot } from "../browser/driver.mjs";

const hub = process.env.MADLAB_HUB_URL;
const out = process.env.MADLAB_ARTIFACTS;
const phase = process.env.MADLAB_E2E_PHASE;
const PASSWORDS = { alice: "alice-demo", carol: "carol-demo" };
const API = `${hub}services/madlab/madlab/api/v1/`;

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
  { pattern: /favicon\.ico/, why: "Voila asks for a favicon the server does not have (404)" },
  {
    pattern: /^request failed: .* \(net::ERR_ABORTED\)$/,
    why: "requests still open (event streams, kernel sockets) are aborted when the journey goes to the next page",
  },
  {
    pattern: /Failed to load resource: the server responded with a status of 404.*\/api\/(workspaces|translations|settings|lsp)/,
    why: "JupyterLab probes optional endpoints (workspaces, translations, language servers)",
  },
];
if (process.env.MADLAB_JOB_ID) {
  IGNORE.push({
    pattern: new RegExp(`status of 404 .*/api/v1/jobs/${process.env.MADLAB_JOB_ID}\\]$`),
    why: "carol opens alice's job in the API to show it is not there: 404 is the expected answer",
  });
}

async function shot(page, steps, name) {
  const path = await screenshot(page, `${out}/${phase}_${String(steps.length + 1).padStart(2, "0")}_${name}.png`);
  steps.push({ step: name, screenshot: path });
}

// Open a notebook in JupyterLab, run its cell once the kernel is idle, wait for `pattern`
// in the output (a cell that was not run is run again, up to three times).
async function runNotebook(page, user, name, pattern) {
  await page.goto(`${hub}user/${user}/lab/tree/${name}`, { timeout: 180000 });
  await page.waitForSelector(".jp-Notebook .jp-Cell .cm-content", { timeout: 180000 });
  await waitForText(page, "#jp-main-statusbar", /Idle/, 180000);
  let last = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.click(".jp-Notebook .jp-Cell .cm-content");
    await page.keyboard.press("Shift+Enter");
    try {
      return await waitForText(page, ".jp-Notebook .jp-OutputArea", pattern, 120000);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

async function alice(browser) {
  const { page, errors, ignored } = await openPage(browser, { ignore: IGNORE });
  const steps = [];
  await login(page, `${hub}hub/login`, { username: "alice", password: PASSWORDS.alice, timeout: 180000 });
  await page.waitForURL(/\/user\/alice\/lab/, { timeout: 180000 });
  await page.waitForSelector("#jp-main-dock-panel", { timeout: 180000 });
  await shot(page, steps, "jupyterlab_after_login");

  await page.goto(`${hub}user/alice/voila/render/notebooks/dock_a_ligand.ipynb?${process.env.MADLAB_QUERY || ""}`, {
    timeout: 240000,
  });
  await page.waitForSelector("button.madlab-run", { timeout: 240000 });
  await shot(page, steps, "voila_dock_app");
  await page.click("button.madlab-run");
  const started = await waitForText(page, ".madlab-status", /job [0-9a-f]{8}/, 120000);
  await shot(page, steps, "job_started");
  const summary = await waitForText(page, ".madlab-summary", /succeeded|failed|cancelled/, 600000);
  await page.waitForSelector(".madlab-results canvas", { timeout: 120000 });
  await page.waitForTimeout(5000); // nglview draws the structures after the canvas exists
  const drawn = await canvases(page, ".madlab-results canvas");
  await shot(page, steps, "job_finished_pose_in_3d");
  const prefix = /job ([0-9a-f]{8})/.exec(started)[1];

  const read = await runNotebook(page, "alice", "read_job.ipynb", /MADLAB-JOB \S+ \w+/);
  await shot(page, steps, "jupyterlab_reads_the_job");
  const line = /MADLAB-JOB (\S+) (\w+) result=(\d+) roles=(\S*)/.exec(read);
  return { steps, summary, prefix, canvases: drawn, job_line: line ? line[0] : read.slice(0, 2000), errors, ignored };
}

async function carol(browser) {
  const { page, errors, ignored } = await openPage(browser, { ignore: IGNORE });
  const steps = [];
  const job = process.env.MADLAB_JOB_ID;
  await login(page, `${hub}hub/login`, { username: "carol", password: PASSWORDS.carol, timeout: 180000 });
  await page.waitForURL(/\/user\/carol\/lab/, { timeout: 180000 });
  await page.waitForSelector("#jp-main-dock-panel", { timeout: 180000 });
  await shot(page, steps, "jupyterlab_after_login");

  const seen = await runNotebook(page, "carol", "look_for_job.ipynb", /MADLAB-LOOKUP \w+/);
  await shot(page, steps, "jupyterlab_job_not_found");
  const lookup = /MADLAB-LOOKUP (\w+) visible=(\d+) listed=(\w+)/.exec(seen);
  // the outputs only: the cell's source names the job id it looks for
  const monitorText = await page.textContent(".jp-Notebook .jp-OutputArea");

  // The API in the browser: log in to the service once (hub OAuth), then ask for alice's job.
  await page.goto(`${hub}services/madlab/login`, { timeout: 120000 });
  const paths = [`jobs/${job}`, `jobs/${job}/results`, `jobs/${job}/download`];
  for (const role of (process.env.MADLAB_FILE_ROLES || "").split(",").filter(Boolean)) {
    paths.push(`jobs/${job}/results/${process.env.MADLAB_RESULT_ID}/files/${role}`);
  }
  const statuses = {};
  for (const path of paths) {
    statuses[path] = (await page.request.get(API + path)).status();
  }
  const list = await (await page.request.get(API + "jobs")).json();
  await page.goto(API + `jobs/${job}`);
  await shot(page, steps, "api_job_404");
  return {
    steps,
    lookup: lookup ? lookup.slice(1) : seen.slice(0, 2000),
    monitor_mentions_job: monitorText.includes(job.slice(0, 8)),
    statuses,
    listed_ids: list.jobs.map((j) => j.id),
    errors,
    ignored,
  };
}

await run(async (browser) => (phase === "alice" ? alice(browser) : carol(browser)));
