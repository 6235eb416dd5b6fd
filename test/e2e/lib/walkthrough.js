// UI-test helpers for VS Code's walkthrough editor (Welcome > walkthroughs; selectors of VS Code 1.100.3): the step
// list of the open walkthrough, a step's buttons, and a step's completion checkbox.
'use strict';
const { runCommand } = require('./workbench');

/** The walkthrough editor's step row of `stepId` (`<publisher>.<name>#<walkthrough>#<step>`). */
function stepRow(page, stepId) {
  return page.locator(`button.getting-started-step[data-step-id="${stepId}"]`).filter({ visible: true });
}

/** The step's checkbox: VS Code marks a completed step `aria-checked="true"` with the `complete` class. */
function stepCheckbox(page, stepId) {
  return page.locator(`.codicon[data-done-step-id="${stepId}"]`).filter({ visible: true });
}

/** Waits until the walkthrough `walkthroughId` (`<publisher>.<name>#<walkthrough>`) shows its detail page, titled `title`. */
async function waitForWalkthrough(page, walkthroughId, title, timeout = 60000) {
  await page
    .locator(`.gettingStartedSlideDetails h2.category-title[x-category-title-for="${walkthroughId}"]`, { hasText: title })
    .first()
    .waitFor({ state: 'visible', timeout });
}

/** Selects (expands) a step and clicks its button labelled `label`. */
async function clickStepButton(page, stepId, label, timeout = 30000) {
  const row = stepRow(page, stepId);
  await row.waitFor({ state: 'visible', timeout });
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  const button = row.locator('.button-container .monaco-button', { hasText: label }).first();
  await button.waitFor({ state: 'visible', timeout });
  await button.click();
}

/** Whether the step shows as completed (its checkbox checked). */
async function stepDone(page, stepId) {
  const box = stepCheckbox(page, stepId);
  if ((await box.count()) === 0) return false;
  return (await box.first().getAttribute('aria-checked')) === 'true';
}

/** Waits until the step shows as completed. */
async function waitForStepDone(page, stepId, timeout = 60000) {
  await page
    .locator(`.codicon.complete[data-done-step-id="${stepId}"][aria-checked="true"]`)
    .first()
    .waitFor({ state: 'visible', timeout });
}

/**
 * Runs a palette command that may not be listed yet: the palette lists an extension's commands from when it opens,
 * so right after a (re)load it is opened again every 10 s until the command shows, up to `timeout`.
 */
async function runCommandOnceListed(page, title, timeout = 120000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await runCommand(page, title, { timeout: Math.max(1, Math.min(10000, deadline - Date.now())) });
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
  }
}

/**
 * Waits for the example's tab and gives its editor group the focus: the walkthrough opens the example beside itself
 * and may take the focus back, and Train Model reads the active editor (else it asks which spec to use).
 */
async function focusEditorTab(page, name, timeout = 30000) {
  const tab = page.locator('.tabs-container .tab.active', { hasText: name }).first();
  await tab.waitFor({ timeout });
  await tab.click();
  await page
    .locator('.editor-group-container.active .tabs-container .tab.active', { hasText: name })
    .first()
    .waitFor({ timeout });
}

module.exports = {
  focusEditorTab,
  runCommandOnceListed,
  stepRow,
  stepCheckbox,
  waitForWalkthrough,
  clickStepButton,
  stepDone,
  waitForStepDone,
};
