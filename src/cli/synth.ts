// `pressroom synth --count N --out DIR [--seed S] [--bad-ratio R]`: writes synthetic alphanode exports,
// one file per document, generated and written one at a time so any count runs in bounded memory.
import { writeSynthCorpus } from '../sources/synth-corpus.js';

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

type Options = { count: number; out: string; seed: number; badRatio: number; from: number };

function parseArgs(args: string[]): Options | string {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!['--count', '--out', '--seed', '--bad-ratio', '--from'].includes(arg)) return `unknown option ${JSON.stringify(arg)}`;
    const value = args[++i];
    if (value === undefined) return `${arg} expects a value`;
    values.set(arg, value);
  }
  const whole = (flag: string, fallback?: number): number | string => {
    const raw = values.get(flag);
    if (raw === undefined) return fallback ?? `${flag} is required`;
    const n = Number(raw);
    return /^\d+$/.test(raw) && Number.isSafeInteger(n) ? n : `${flag} expects a whole number >= 0, got ${JSON.stringify(raw)}`;
  };
  const count = whole('--count');
  const seed = whole('--seed', 1);
  const from = whole('--from', 0);
  const out = values.get('--out');
  const ratio = Number(values.get('--bad-ratio') ?? '0');
  if (typeof count === 'string') return count;
  if (typeof seed === 'string') return seed;
  if (typeof from === 'string') return from;
  if (out === undefined || out === '') return '--out is required';
  if (!(ratio >= 0 && ratio <= 1)) return `--bad-ratio expects a number from 0 to 1, got ${JSON.stringify(values.get('--bad-ratio'))}`;
  return { count, out, seed, badRatio: ratio, from };
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const options = parseArgs(args);
  if (typeof options === 'string') {
    console.error(`pressroom synth: ${options}\n\n${USAGE}`);
    return 2;
  }
  const { bad, bytes } = await writeSynthCorpus(options.out, options);
  console.log(`wrote ${options.count} exports (${bad} malformed, ${(bytes / 1024 / 1024).toFixed(1)} MB) to ${options.out} with seed ${options.seed}`);
  return 0;
}
