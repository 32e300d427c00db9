// The artifact users get, not the sources: `npm pack`, the tarball installed into a fresh Node project and
// a fresh Vite app, the README's install examples run as written (its code blocks marked
// `<!-- packed-test: … -->` are read from README.md), type-checked with --strict and skipLibCheck off,
// trained in Node (webgpu on the software adapter, and cpu) and in headless Chromium, error names checked;
// the `webgpu-rnn/onnx` entry imported in both: the README's export runs in Node and its ONNX Runtime
// deployment runs the file, and the Vite app exports a model in the browser.
//
// Offline, from what `npm ci` put in the npm cache, so CI downloads nothing more: each consumer gets a
// package-lock cut from ours (the packages it names at the versions we pin, with their dependencies), and
// `npm ci --offline` installs it. (`npm install <name>` would ask for full registry metadata, which
// `npm ci` does not cache; lock entries only need what it did cache.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'puppeteer-core';
import { launchChromium, serveStatic } from './browser_helpers.js';

const root = resolve(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const ourLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

/** The README code block that follows `<!-- packed-test: name -->`. */
function readmeBlock(name: string): string {
  const block = new RegExp(`<!-- packed-test: ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!block) throw new Error(`README.md has no code block marked <!-- packed-test: ${name} -->`);
  return block[1];
}

/** Where Node would find `dep` from the package at lock path `from` ('' is the root). */
function resolveInLock(from: string, dep: string): string {
  for (let base = from; ; base = base.slice(0, Math.max(0, base.lastIndexOf('/node_modules/')))) {
    const path = `${base ? `${base}/` : ''}node_modules/${dep}`;
    if (ourLock.packages[path]) return path;
    if (!base)
      throw new Error(
        `package-lock.json has no ${dep} (needed from ${from || 'the root'}): a consumer would have to download it`,
      );
  }
}

/** Our lock's entries for `names` and everything they need (required peers included), at their paths in our tree. */
function lockClosure(names: string[]): Record<string, LockEntry> {
  const out: Record<string, LockEntry> = {};
  const visit = (path: string) => {
    if (out[path]) return;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = ourLock.packages[path];
    out[path] = entry;
    const optionalPeer = (name: string) => entry.peerDependenciesMeta?.[name]?.optional;
    const deps = [
      ...Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }),
      ...Object.keys(entry.peerDependencies ?? {}).filter((n) => !optionalPeer(n)),
    ];
    for (const dep of deps) visit(resolveInLock(path, dep));
  };
  for (const name of names) visit(resolveInLock('', name));
  return out;
}

/** A fresh project in `dir` that depends on the packed library and on `deps` / `devDeps` at our versions. */
function writeConsumer(dir: string, tarball: string, deps: string[], devDeps: string[], extra: object = {}): void {
  const spec = (name: string) =>
    pkg.dependencies?.[name] ?? pkg.devDependencies?.[name] ?? pkg.peerDependencies?.[name];
  const specs = (names: string[]) => Object.fromEntries(names.map((n) => [n, spec(n)]));
  const tarballSpec = `file:${tarball}`;
  const manifest = {
    name: `consumer-${dir.split('/').pop()}`,
    private: true,
    type: 'module',
    ...extra,
    dependencies: { [pkg.name]: tarballSpec, ...specs(deps) },
    devDependencies: specs(devDeps),
  };
  const library: LockEntry = {
    version: pkg.version,
    resolved: tarballSpec,
    license: pkg.license,
    dependencies: pkg.dependencies,
    peerDependencies: pkg.peerDependencies,
    peerDependenciesMeta: pkg.peerDependenciesMeta,
    engines: pkg.engines,
  };
  const lock = {
    name: manifest.name,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: manifest.name, dependencies: manifest.dependencies, devDependencies: manifest.devDependencies },
      [`node_modules/${pkg.name}`]: library,
      ...lockClosure([...Object.keys(pkg.dependencies ?? {}), ...deps, ...devDeps]),
    },
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
}

// A child npm must see the consumer as its project, not the repository that runs this test.
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_(config_local_prefix|package_|lifecycle_|command)/.test(k)),
);

async function sh(cwd: string, command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await promisify(execFile)(command, args, { cwd, env: childEnv, maxBuffer: 16 << 20 });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${String(e)}\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

const installOffline = (dir: string) =>
  sh(dir, 'npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error']);

/** `step N: loss X` lines of the README examples. */
function losses(text: string): Map<number, number> {
  return new Map([...text.matchAll(/^step (\d+): loss ([\d.]+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]));
}

/** Each exported error class with the name an instance reports, and the name of a real thrown ShapeError. */
const ERROR_CHECK = `import * as lib from 'webgpu-rnn';

type ErrorClass = new (...args: string[]) => Error;
const exported = Object.entries(lib as Record<string, unknown>).flatMap(([k, v]) =>
  typeof v === 'function' && v.prototype instanceof Error ? [[k, new (v as ErrorClass)('argument', 'expected', 'actual').name]] : [],
);
const ctx = await lib.createContext({ backend: 'cpu' });
let thrown = 'nothing thrown';
try {
  ctx.tensor([1, 2, 3], [2, 2]);
} catch (e) {
  thrown = e instanceof lib.ShapeError ? e.name : String(e);
}
export const errorNames = { exported, thrown };
`;

/** webgpu-rnn/onnx in the browser: a model exported on the page and decoded again. */
const ONNX_CHECK = `import { Embedding, GRU, LastStep, Linear, Sequential, createContext } from 'webgpu-rnn';
import { decodeModel, exportOnnx } from 'webgpu-rnn/onnx';

const ctx = await createContext({ backend: 'cpu' });
const model = new Sequential(ctx, [new Embedding(5, 3), new GRU({ inputSize: 3, hiddenSize: 4 }), new LastStep(), new Linear(4, 2)]);
const proto = decodeModel(await exportOnnx(model, { lengths: true }));
(window as unknown as { onnx: unknown }).onnx = {
  producer: proto.producer_name,
  ops: proto.graph!.node!.map((n) => n.op_type),
  inputs: proto.graph!.input!.map((v) => v.name),
};
`;

function expectErrorNames(names: { exported: [string, string][]; thrown: string }): void {
  expect(names.thrown).toBe('ShapeError');
  expect(names.exported.map(([k]) => k)).toEqual(
    expect.arrayContaining([
      'WebGpuRnnError',
      'ShapeError',
      'ValueError',
      'NoAdapterError',
      'GpuValidationError',
      'DeviceLostError',
    ]),
  );
  for (const [exported, name] of names.exported) expect(name, `new ${exported}(…).name`).toBe(exported);
}

/** The examples learn (last loss well below the first) and agree with the f64 CPU reference's run. */
function expectLearnsLike(run: Map<number, number>, reference: Map<number, number>, label: string): void {
  expect([...run.keys()], label).toEqual([1, 20, 40, 60]);
  expect(run.get(60)!, label).toBeLessThan(run.get(1)! / 5);
  for (const [step, loss] of reference)
    expect(Math.abs(run.get(step)! - loss), `${label} step ${step}`).toBeLessThanOrEqual(2e-4 + 1e-2 * loss);
}

// Two installs, two compiler runs, two builds and three trainings in child processes: about a minute
// for the file on a shared 2-core machine, over two when it is busy.
const SLOW = 300_000;

describe('the packed library, installed like a user would', () => {
  let work: string;
  let tarball: string;
  let cpuLosses: Map<number, number>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'webgpu-rnn-packed-'));
    // prepack builds dist/ first, so this is the artifact of the current sources.
    await sh(root, 'npm', ['pack', '--pack-destination', work, '--loglevel=error']);
    tarball = join(work, `${pkg.name}-${pkg.version}.tgz`);
    const files = (await sh(work, 'tar', ['-tzf', tarball])).stdout.split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        'package/LICENSE',
        'package/CHANGELOG.md',
        'package/README.md',
        'package/dist/webgpu-rnn.js',
        'package/dist/types/index.d.ts',
        'package/dist/onnx.js',
        'package/dist/types/onnx/index.d.ts',
        'package/dist/types/onnx/index-ts5.d.ts',
      ]),
    );
  }, SLOW);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(
    'Node project: installs offline, type-checks strictly, trains on webgpu and cpu alike, keeps error names',
    async () => {
      const dir = join(work, 'node');
      writeConsumer(
        dir,
        tarball,
        ['webgpu', 'onnxruntime-node'],
        ['typescript', '@types/node', '@typescript/native-preview'],
      );
      await installOffline(dir);
      writeFileSync(join(dir, 'main.ts'), readmeBlock('node/main.ts'));
      writeFileSync(join(dir, 'onnx.ts'), readmeBlock('node/onnx.ts'));
      writeFileSync(join(dir, 'deploy.mjs'), readmeBlock('node/deploy.mjs'));
      writeFileSync(join(dir, 'errors.ts'), `${ERROR_CHECK}console.log(JSON.stringify(errorNames));\n`);
      // The README's `tsc --strict … main.ts` (skipLibCheck off), given errors.ts too: one compiler run. Then
      // the same with TypeScript 7's native compiler (tsgo), whose lib.dom declares WebGPU's types itself:
      // the typings must not clash with it (they take @webgpu/types only on TypeScript 5.x).
      const build = readmeBlock('node/build.sh').trim();
      await sh(dir, 'bash', ['-c', `${build} errors.ts onnx.ts`]);
      await sh(dir, 'bash', ['-c', `${build.replace(/^npx tsc /, 'npx tsgo ')} errors.ts onnx.ts --noEmit`]);

      cpuLosses = losses((await sh(dir, 'node', ['main.js', 'cpu'])).stdout);
      const gpu = await sh(dir, 'node', ['main.js']);
      expectLearnsLike(cpuLosses, cpuLosses, 'node cpu');
      expectLearnsLike(losses(gpu.stdout), cpuLosses, 'node webgpu');
      expectErrorNames(JSON.parse((await sh(dir, 'node', ['errors.js'])).stdout));
      // The README's ONNX pair: export names.onnx with webgpu-rnn/onnx, generate from it with ONNX Runtime alone.
      await sh(dir, 'node', ['onnx.js']);
      const generated = (await sh(dir, 'node', ['deploy.mjs'])).stdout.trim();
      expect(generated).toMatch(/^ma[a-z]*$/);
    },
    SLOW,
  );

  describe('Vite app in headless Chromium', () => {
    let browser: Browser | undefined;
    let server: Awaited<ReturnType<typeof serveStatic>> | undefined;
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it(
      'installs offline, type-checks strictly, builds, trains on WebGPU like the CPU reference, keeps error names',
      async () => {
        expect(cpuLosses, 'the Node test runs first and gives the CPU reference').toBeDefined();
        const dir = join(work, 'vite');
        // What `npm create vite@latest -- --template vanilla-ts` sets up, with skipLibCheck off.
        writeConsumer(dir, tarball, [], ['typescript', 'vite'], { scripts: { build: 'tsc && vite build' } });
        const files: Record<string, string> = {
          'index.html': `<!doctype html><html><head><meta charset="UTF-8"><link rel="icon" href="data:,"><title>consumer</title></head>
<body><div id="app"></div><script type="module" src="/src/main.ts"></script><script type="module" src="/src/errors.ts"></script><script type="module" src="/src/onnx.ts"></script></body></html>\n`,
          'tsconfig.json': JSON.stringify({
            compilerOptions: {
              target: 'ES2022',
              module: 'ESNext',
              lib: ['ES2022', 'DOM', 'DOM.Iterable'],
              types: ['vite/client'],
              moduleResolution: 'bundler',
              strict: true,
              noEmit: true,
              skipLibCheck: false,
              isolatedModules: true,
              noUnusedLocals: true,
              noUnusedParameters: true,
            },
            include: ['src'],
          }),
          'src/main.ts': readmeBlock('vite/src/main.ts'),
          'src/errors.ts': `${ERROR_CHECK}(window as unknown as { errorNames: unknown }).errorNames = errorNames;\n`,
          'src/onnx.ts': ONNX_CHECK,
        };
        for (const [name, text] of Object.entries(files)) {
          mkdirSync(dirname(join(dir, name)), { recursive: true });
          writeFileSync(join(dir, name), text);
        }
        await installOffline(dir);
        await sh(dir, 'npm', ['run', 'build', '--silent']); // tsc (strict) && vite build (minified: names must survive it)

        server = await serveStatic(join(dir, 'dist'));
        browser = await launchChromium();
        const page = await browser.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(String(e)));
        page.on('console', (m) => {
          if (m.type() === 'error') pageErrors.push(m.text());
        });
        await page.goto(`${server.url}/index.html`);
        // On a timeout the checks below report what the page shows instead.
        await page
          .waitForFunction(
            `document.querySelector('#app').textContent.includes('step 60:') && window.errorNames !== undefined && window.onnx !== undefined`,
            { timeout: 60_000 },
          )
          .catch(() => undefined);
        const text = (await page.$eval('#app', (e) => e.textContent ?? '')) as string;
        expect(pageErrors, text).toEqual([]);
        console.log(`packed Vite app in Chromium:\n${text}`);
        expectLearnsLike(losses(text), cpuLosses, 'vite webgpu');
        expectErrorNames(
          (await page.evaluate('window.errorNames')) as { exported: [string, string][]; thrown: string },
        );
        expect(await page.evaluate('window.onnx')).toEqual({
          producer: 'webgpu-rnn',
          ops: ['Gather', 'GRU', 'Reshape', 'Gemm'],
          inputs: ['ids', 'lengths'],
        });
      },
      SLOW,
    );
  });
});
