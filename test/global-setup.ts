// Every temporary directory a test run makes (state dirs, simulator worlds, browser profiles, the
// bot processes' own) goes under one directory per run, removed when the run ends: tests that
// forget to clean up, or die before they can, leave nothing behind in the machine's /tmp.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), 'chatdb-test-run-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
