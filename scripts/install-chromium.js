#!/usr/bin/env node
// Installs Debian's Chromium for the dashboard's browser test (Playwright drives it through
// playwright-core, which downloads no browser of its own). Runs as part of npm's postinstall: as root
// it runs `apt-get install -y chromium` when the binary is missing; otherwise it says how to install it.
// The browser is only needed by tests, so a failure here warns and never fails `npm install`.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const CHROMIUM = process.env.FIREBREAK_CHROMIUM || '/usr/bin/chromium';

function log(message) {
  process.stdout.write(`[firebreak install] ${message}\n`);
}

function manualHelp(reason) {
  return [
    `Chromium is not installed (${reason}); the dashboard's browser test needs it.`,
    'Install it with `sudo apt-get update && sudo apt-get install -y chromium`, or set',
    'FIREBREAK_CHROMIUM to a Chromium binary.',
  ].join('\n');
}

function aptInstall() {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log('installing Debian chromium (apt-get install -y chromium)');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: 'inherit',
    env,
  });
}

function main() {
  if (process.env.FIREBREAK_SKIP_CHROMIUM_INSTALL === '1') {
    log('FIREBREAK_SKIP_CHROMIUM_INSTALL=1: not installing Chromium');
    return;
  }
  if (existsSync(CHROMIUM)) {
    log(`chromium: ${CHROMIUM}`);
    return;
  }
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) {
    process.stderr.write(`${manualHelp('not root, so not running apt-get')}\n`);
    return;
  }
  try {
    aptInstall();
  } catch (error) {
    process.stderr.write(`${manualHelp(`apt-get failed: ${error.message}`)}\n`);
    return;
  }
  if (existsSync(CHROMIUM)) log(`chromium: ${CHROMIUM}`);
  else process.stderr.write(`${manualHelp(`${CHROMIUM} missing after apt-get`)}\n`);
}

main();
