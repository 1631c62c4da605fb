#!/usr/bin/env node
// Runs the TypeScript CLI straight from src through tsx, so `npx pressroom` works right after `npm ci`
// with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// A command is done when main returns; a handle some library keeps open (the Temporal runtime's
// native threads) must not hold the process. Unref'd: a clean exit still happens at once.
setTimeout(() => process.exit(code), 1_000).unref();
