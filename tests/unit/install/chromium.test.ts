// The setup's Chromium step (npm postinstall): a browser already there is used as it is, and the step
// can be skipped; it never fails `npm install`, since only the browser test needs Chromium.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../../../scripts/install-chromium.js');

function run(env: Record<string, string>): string {
  return execFileSync(process.execPath, [SCRIPT], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

describe('installing Chromium for the browser test', () => {
  test('a Chromium already at FIREBREAK_CHROMIUM is used, with no apt-get', () => {
    expect(run({ FIREBREAK_CHROMIUM: process.execPath })).toBe(
      `[firebreak install] chromium: ${process.execPath}\n`,
    );
  });

  test('FIREBREAK_SKIP_CHROMIUM_INSTALL=1 skips the step', () => {
    expect(
      run({ FIREBREAK_SKIP_CHROMIUM_INSTALL: '1', FIREBREAK_CHROMIUM: '/nonexistent/chromium' }),
    ).toContain('not installing Chromium');
  });
});
