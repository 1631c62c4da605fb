// The checks a schedule's timetable gets before anything reaches the server: the shape of a cron
// expression, a duration, an IANA time zone. Temporal computes every fire time itself; this only
// refuses, early and by name, what its server would refuse later (or, worse, read differently).

/** Temporal's shorthands (its CronString documentation); `@every` is an `interval` entry instead. */
export const CRON_MACROS = ['@yearly', '@monthly', '@weekly', '@daily', '@hourly'] as const;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

type Field = { name: string; min: number; max: number; names?: string[]; namesFrom?: number };
const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
];

function value(token: string, field: Field): number | undefined {
  if (/^\d{1,2}$/.test(token)) return Number(token);
  const at = field.names?.indexOf(token.toLowerCase()) ?? -1;
  return at >= 0 ? at + (field.namesFrom ?? 0) : undefined;
}

function checkPart(part: string, field: Field): string | undefined {
  const [range, step, ...rest] = part.split('/');
  if (rest.length > 0 || range === undefined || range === '') return `"${part}" is not a value, range or step`;
  if (step !== undefined && !(/^\d{1,3}$/.test(step) && Number(step) >= 1)) return `step "/${step}" must be a whole number of 1 or more`;
  if (range === '*') return undefined;
  const [from, to, ...more] = range.split('-');
  if (more.length > 0 || from === undefined) return `"${range}" is not a value or a range`;
  const low = value(from, field);
  const high = to === undefined ? low : value(to, field);
  const bounds = `${field.min}-${field.max}${field.names ? ` or ${field.names[0]!.toUpperCase()}-${field.names.at(-1)!.toUpperCase()}` : ''}`;
  if (low === undefined || high === undefined) return `"${range}" is not a value (${bounds})`;
  if (low < field.min || high > field.max) return `"${range}" is out of range (${bounds})`;
  if (high < low) return `range "${range}" runs backwards`;
  return undefined;
}

/**
 * Why a cron expression is not one Pressroom accepts, or undefined when it is: five fields (minute,
 * hour, day of month, month, day of week) of values, names, ranges, steps and lists, or a macro.
 * No seconds, years, `CRON_TZ=` or `@every`: the time zone and intervals are fields of their own.
 */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (text.startsWith('@')) {
    return (CRON_MACROS as readonly string[]).includes(text) ? undefined : `unknown macro "${text}" (expected one of ${CRON_MACROS.join(', ')})`;
  }
  if (/^(CRON_)?TZ=/i.test(text)) return 'a time zone goes in "timezone", not in the cron expression';
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  for (const [i, raw] of fields.entries()) {
    const field = FIELDS[i]!;
    for (const part of raw.split(',')) {
      const problem = checkPart(part, field);
      if (problem) return `${field.name}: ${problem}`;
    }
  }
  return undefined;
}

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration such as `90s`, `15m`, `1h30m` or `7d`; undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  if (!/^(\d+(ms|s|m|h|d))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return total;
}

/** `1h30m` for 5,400,000: the shortest exact spelling, as list and drift print it. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/** Whether the runtime's time-zone database knows `zone` (the same IANA names Temporal's server uses). */
export function isTimeZone(zone: string): boolean {
  if (zone.trim() === '' || zone !== zone.trim()) return false;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  // Intl also takes "europe/berlin" and "+01:00"; the server's database takes neither: exact names only.
  if (/^[+-]|^GMT[+-]/i.test(zone)) return false;
  return resolved.toLowerCase() === zone.toLowerCase() ? resolved === zone : true;
}
