import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES, searchAttributeFlags } from '../../src/domain/names.js';

// docker-compose.yml and the Dockerfile cannot be run here (no container engine), so these tests hold
// them to what the code declares. No YAML parser is installed: the compose file is read by indentation,
// which is the shape it is written in (two spaces per level, block lists).

const root = join(import.meta.dirname, '../..');
const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

/** The lines of one service, `  name:` up to the next line indented two spaces or less. */
function service(name: string): string[] {
  const lines = compose.split('\n');
  const start = lines.findIndex((line) => line === `  ${name}:`);
  if (start < 0) throw new Error(`docker-compose.yml has no service ${name}`);
  const end = lines.findIndex((line, i) => i > start && line.trim() !== '' && !line.trimStart().startsWith('#') && /^ {0,2}\S/.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** A scalar key of a service (`    image: x` gives x). */
function scalar(lines: string[], key: string): string | undefined {
  const line = lines.find((l) => l.startsWith(`    ${key}: `));
  return line
    ?.slice(`    ${key}: `.length)
    .trim()
    .replace(/^"(.*)"$/, '$1');
}

/** The items of a block list under a key of a service (`    command:` then `      - item`). */
function list(lines: string[], key: string): string[] {
  const start = lines.indexOf(`    ${key}:`);
  if (start < 0) return [];
  const items: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const item = /^ {6}- (.*)$/.exec(line);
    if (item) items.push(item[1]!.trim().replace(/^"(.*)"$/, '$1'));
    else if (line.trim() !== '' && !line.trimStart().startsWith('#')) break;
  }
  return items;
}

/** The entries of a block mapping under a key of a service (`    environment:` then `      NAME: value`). */
function mapping(lines: string[], key: string): Record<string, string> {
  const start = lines.indexOf(`    ${key}:`);
  const entries: Record<string, string> = {};
  if (start < 0) return entries;
  for (const line of lines.slice(start + 1)) {
    const entry = /^ {6}([\w.-]+): (.*)$/.exec(line);
    if (entry) entries[entry[1]!] = entry[2]!.trim().replace(/^"(.*)"$/, '$1');
    else if (line.trim() !== '' && !line.trimStart().startsWith('#')) break;
  }
  return entries;
}

const services = [...compose.matchAll(/^ {2}([a-z][\w-]*):$/gm)].map((m) => m[1]!);

describe('docker-compose.yml', () => {
  it('runs Temporal from temporalio/server, with its schema from admin-tools of the same version, and no auto-setup', () => {
    expect(compose).not.toMatch(/image: temporalio\/auto-setup/);
    const server = scalar(service('temporal'), 'image');
    const schema = scalar(service('temporal-schema'), 'image');
    const setup = scalar(service('temporal-setup'), 'image');
    expect(server).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
    const version = server!.split(':')[1];
    expect(schema).toBe(`temporalio/admin-tools:${version}`);
    expect(setup).toBe(`temporalio/admin-tools:${version}`);
    // The server waits for its schema; nothing talks to Temporal before the setup has registered the attributes.
    expect(service('temporal').join('\n')).toMatch(/temporal-schema:\n\s+condition: service_completed_successfully/);
    expect(service('worker').join('\n')).toMatch(/temporal-setup:\n\s+condition: service_completed_successfully/);
  });

  it("registers exactly Pressroom's search attributes (SEARCH_ATTRIBUTES in src/domain/names.ts)", () => {
    const registered = list(service('temporal-setup'), 'command');
    expect(registered.length).toBe(new Set(registered).size);
    expect([...registered].sort()).toEqual([...searchAttributeFlags()].sort());
    expect(registered.length).toBe(Object.keys(SEARCH_ATTRIBUTES).length);
  });

  it('mounts every script a service runs from docker/', () => {
    const mounted = services.flatMap((name) => list(service(name), 'volumes')).filter((v) => v.startsWith('./docker/'));
    expect(mounted.length).toBeGreaterThanOrEqual(3);
    for (const volume of mounted) {
      const [host, container] = volume.split(':');
      expect(() => readFileSync(join(root, host!))).not.toThrow();
      if (host!.endsWith('.sh')) expect(compose).toContain(`"${container}"`);
    }
  });
});

describe('docker/temporal-setup.sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pressroom-compose-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A stand-in `temporal` that records its arguments: the script is run with the compose file's
  // command, so what it would ask the real CLI to register is what the compose file declares.
  function runSetup(args: string[], fake = 'exit 0'): { calls: string[][]; status: number; stderr: string } {
    const log = join(dir, `calls-${Math.random().toString(36).slice(2)}.log`);
    writeFileSync(join(dir, 'temporal'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${log}"\n${fake}\n`);
    chmodSync(join(dir, 'temporal'), 0o755);
    let status = 0;
    let stderr = '';
    try {
      execFileSync('sh', [join(root, 'docker/temporal-setup.sh'), ...args], {
        env: { PATH: `${dir}:${process.env.PATH ?? ''}`, TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_SETUP_ATTEMPTS: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const e = error as { status: number; stderr: Buffer };
      status = e.status;
      stderr = e.stderr.toString();
    }
    let calls: string[][];
    try {
      calls = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' '));
    } catch {
      calls = [];
    }
    return { calls, status, stderr };
  }

  it('asks the operator CLI to create each attribute of the compose command, with its type, in the namespace', () => {
    const { calls, status } = runSetup(list(service('temporal-setup'), 'command'));
    expect(status).toBe(0);
    const created = calls
      .filter((c) => c.slice(0, 3).join(' ') === 'operator search-attribute create')
      .map((c) => {
        expect(c).toEqual(expect.arrayContaining(['--address', 'temporal:7233', '--namespace', 'default']));
        return `${c[c.indexOf('--name') + 1]}=${c[c.indexOf('--type') + 1]}`;
      });
    expect(created.sort()).toEqual([...searchAttributeFlags()].sort());
  });

  it('refuses an attribute that is not Name=Type, and stops when the server never answers', () => {
    expect(runSetup(['PressroomKind']).stderr).toMatch(/expected a search attribute as Name=Type, got 'PressroomKind'/);
    const down = runSetup(['PressroomKind=Keyword'], 'echo "connection refused" >&2; exit 1');
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/the health check failed 1 times .* against temporal:7233: connection refused/);
    expect(down.calls.some((c) => c.includes('search-attribute'))).toBe(false);
  });
});

describe('docker/temporal-schema.sh', () => {
  it("creates and migrates both of Temporal's databases with the schema of the admin-tools image", () => {
    const dir = mkdtempSync(join(tmpdir(), 'pressroom-schema-'));
    try {
      const log = join(dir, 'calls.log');
      writeFileSync(join(dir, 'temporal-sql-tool'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${log}"\n`);
      chmodSync(join(dir, 'temporal-sql-tool'), 0o755);
      const env = mapping(service('temporal-schema'), 'environment');
      expect(env).toMatchObject({ POSTGRES_SEEDS: 'postgresql', POSTGRES_USER: 'temporal' });
      execFileSync('sh', [join(root, 'docker/temporal-schema.sh')], { env: { ...env, PATH: `${dir}:${process.env.PATH ?? ''}` }, stdio: 'pipe' });
      const calls = readFileSync(log, 'utf8').trim().split('\n');
      const common = '--plugin postgres12 --ep postgresql -p 5432 -u temporal';
      expect(calls).toEqual([
        `${common} --db temporal create`,
        `${common} --db temporal setup-schema -v 0.0`,
        `${common} --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned`,
        `${common} --db temporal_visibility create`,
        `${common} --db temporal_visibility setup-schema -v 0.0`,
        `${common} --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the schedules service', () => {
  it("applies the schedules file baked into the image, on the worker's task queue, once Temporal is set up", () => {
    const lines = service('schedules');
    expect(scalar(lines, 'build')).toBe('.');
    expect(lines.join('\n')).toMatch(/temporal-setup:\n\s+condition: service_completed_successfully/);
    expect(scalar(lines, 'command')).toBe('["node", "bin/pressroom.mjs", "schedules", "apply", "--by", "docker-compose"]');
    const env = mapping(lines, 'environment');
    const worker = mapping(service('worker'), 'environment');
    for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TASK_QUEUE', 'IMPORT_INBOX']) expect(env[key], key).toBe(worker[key]);
    // The inbox the schedule names is where the workers read it.
    expect(list(service('worker'), 'volumes')).toContain(`import-inbox:${worker.IMPORT_INBOX}`);
    expect(dockerfile).toMatch(/^COPY pressroom\.schedules\.json \.\/$/m);
  });
});

describe('Dockerfile', () => {
  it('builds the workflow bundle into the image and points the worker at it', () => {
    const workdir = /^WORKDIR (\S+)$/m.exec(dockerfile)?.[1];
    const built = /^RUN .*pressroom\.mjs bundle-workflows (\S+)$/m.exec(dockerfile)?.[1];
    const configured = /^ENV PRESSROOM_WORKFLOW_BUNDLE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(workdir).toBeDefined();
    expect(built).toBeDefined();
    expect(configured).toBe(join(workdir!, built!));
    // Built after the sources are copied, so the bundle is the image's own code.
    expect(dockerfile.indexOf('COPY src ./src')).toBeGreaterThan(-1);
    expect(dockerfile.indexOf('COPY src ./src')).toBeLessThan(dockerfile.indexOf('bundle-workflows'));
  });
});
