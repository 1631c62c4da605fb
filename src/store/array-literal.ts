// PostgreSQL array literals for node-postgres, built the cheap way. A batch's set-based statements
// pass a dozen arrays of hundreds of elements each (paths, hashes, ids, numbers); node-postgres builds
// their literals by appending every element through two regex replacements, which was a tenth of what
// the worker's main thread allocated. This writes the same literal with one join when nothing needs escaping.

/**
 * The literal node-postgres would send for a flat array of strings, numbers, booleans, bigints and
 * nulls (every element quoted, `"` and `\` escaped, null as NULL); undefined for anything else (nested
 * arrays, bytes, dates, objects), which is left to node-postgres.
 */
export function arrayLiteral(values: readonly unknown[]): string | undefined {
  if (values.length === 0) return '{}';
  let plain = true;
  for (const value of values) {
    switch (typeof value) {
      case 'string':
        if (plain && (value.includes('"') || value.includes('\\'))) plain = false;
        break;
      case 'number':
      case 'bigint':
      case 'boolean':
        break;
      default:
        if (value !== null && value !== undefined) return undefined;
        plain = false;
    }
  }
  // join writes numbers, booleans and bigints as their toString does, as node-postgres does.
  if (plain) return `{"${values.join('","')}"}`;
  const parts = values.map((value) => (value === null || value === undefined ? 'NULL' : quoted(String(value as string | number | bigint | boolean))));
  return `{${parts.join(',')}}`;
}

function quoted(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
