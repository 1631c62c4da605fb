// `pressroom synth --count N --out DIR [--seed S] [--bad-ratio R] [--from I]`: writes synthetic
// alphanode exports, one file per document, generated and written one at a time (bounded memory).
import { writeSynthCorpus } from '../sources/synth-corpus.js';
import { UsageError } from './errors.js';
import type { Cli } from './output.js';

export type SynthOptions = { count?: number; out?: string; seed?: number; badRatio?: number; from?: number; json?: boolean };

export async function synth(options: SynthOptions, cli: Cli): Promise<number> {
  // Checked here, not as commander's required options, so an unknown flag is reported first.
  if (options.count === undefined) throw new UsageError('--count is required');
  if (options.out === undefined) throw new UsageError('--out is required');
  const from = options.from ?? 0;
  // Past 2^53 - 1 two indices share one double: the same file is written twice and the count lies.
  const last = BigInt(from) + BigInt(options.count) - 1n;
  if (last > BigInt(Number.MAX_SAFE_INTEGER)) {
    const room = BigInt(Number.MAX_SAFE_INTEGER) - BigInt(from) + 1n;
    throw new UsageError(
      `--from ${from} with --count ${options.count} runs past the last index ${Number.MAX_SAFE_INTEGER} (Number.MAX_SAFE_INTEGER); use --count ${room} at most`,
    );
  }
  const settings = { count: options.count, seed: options.seed ?? 1, badRatio: options.badRatio ?? 0, from };
  const { count, bad, bytes } = await writeSynthCorpus(options.out, settings);
  if (options.json) cli.out.json({ out: options.out, count, bad, bytes, seed: settings.seed, from });
  else cli.out.print(`wrote ${count} exports (${bad} malformed, ${(bytes / 1024 / 1024).toFixed(1)} MB) to ${options.out} with seed ${settings.seed}`);
  return 0;
}
