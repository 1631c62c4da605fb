// `pressroom synth --count N --out DIR [--seed S] [--bad-ratio R]`: writes synthetic alphanode exports,
// one file per document, generated and written one at a time so any count runs in bounded memory.
import { writeSynthCorpus } from '../sources/synth-corpus.js';
import { parseFlags, parseWholeNumber, UsageError } from './args.js';

const USAGE = `usage: pressroom synth --count N --out DIR [--seed S] [--bad-ratio R] [--from I]

Writes N synthetic alphanode page exports to DIR as 000123_alphanode-000123.txt. The same seed gives
the same document for the same index, whatever the count.

options:
  --count N       number of documents (required)
  --out DIR       output directory, created if missing (required)
  --seed S        generator seed, a whole number (default 1)
  --bad-ratio R   fraction 0..1 of malformed exports, one kind per rejection rule in turn (default 0)
  --from I        first index (default 0)
  -h, --help      show this help`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    count: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
    'bad-ratio': { type: 'string' },
    from: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, false);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const count = parseWholeNumber('count', values.count, 0);
  if (count === undefined) throw new UsageError('--count is required');
  if (!values.out) throw new UsageError('--out is required');
  const badRatio = Number(values['bad-ratio'] ?? '0');
  if (!(badRatio >= 0 && badRatio <= 1)) throw new UsageError(`--bad-ratio expects a number from 0 to 1, got "${values['bad-ratio']}"`);
  const options = { count, out: values.out, seed: parseWholeNumber('seed', values.seed, 0) ?? 1, badRatio, from: parseWholeNumber('from', values.from, 0) ?? 0 };
  const { bad, bytes } = await writeSynthCorpus(options.out, options);
  console.log(`wrote ${options.count} exports (${bad} malformed, ${(bytes / 1024 / 1024).toFixed(1)} MB) to ${options.out} with seed ${options.seed}`);
  return 0;
}
