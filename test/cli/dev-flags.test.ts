// `pressroom dev`'s flags reach the dev stack as runDev's options (the stack itself is not started).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './capture.js';

const runDev = vi.hoisted(() => vi.fn(() => Promise.resolve(0)));
vi.mock('../../src/cli/dev.js', () => ({ runDev }));

beforeEach(() => runDev.mockClear());

describe('pressroom dev flags', () => {
  it('are parsed into runDev options', async () => {
    const run = await runCli(['dev', '--port', '7300', '--ui-port', '8300', '--http-port', '8181', '--data-dir', '/tmp/d', '--no-sample']);
    expect(run.code, run.stderr).toBe(0);
    expect(runDev).toHaveBeenCalledWith({ port: 7300, uiPort: 8300, httpPort: 8181, dataDir: '/tmp/d', sample: false, schedules: true });
  });

  it('leave defaults to the stack', async () => {
    await runCli(['dev']);
    expect(runDev).toHaveBeenCalledWith({ sample: true, schedules: true });
  });

  it('--no-schedules leaves the schedules file unapplied', async () => {
    await runCli(['dev', '--no-schedules']);
    expect(runDev).toHaveBeenCalledWith({ sample: true, schedules: false });
  });

  it('refuse a bad port before anything starts', async () => {
    const run = await runCli(['dev', '--ui-port', '70000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^pressroom dev: --ui-port expects a port number 1-65535, got "70000"/);
    expect(runDev).not.toHaveBeenCalled();
  });
});
