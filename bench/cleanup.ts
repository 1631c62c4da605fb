// What a benchmark started (a server, a schema, a directory), released in reverse order at the end or on
// Ctrl-C; each release also returned, to end a resource early.

const cleanups: Array<{ name: string; fn: () => Promise<void> | void }> = [];

export function onCleanup(name: string, fn: () => Promise<void> | void): () => Promise<void> {
  const entry = { name, fn };
  cleanups.push(entry);
  return async () => {
    const at = cleanups.indexOf(entry);
    if (at === -1) return;
    cleanups.splice(at, 1);
    await fn();
  };
}

export async function cleanupAll(): Promise<void> {
  for (let entry = cleanups.pop(); entry; entry = cleanups.pop()) {
    try {
      await entry.fn();
    } catch (error) {
      console.error(`cleanup of ${entry.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
