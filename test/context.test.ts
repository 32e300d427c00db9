import { describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import { createContext, DeviceLostError, NoAdapterError, UnsupportedFeatureError, ValueError } from '../src/index.js';

describe('createContext', () => {
  it('finds a WebGPU adapter (fails, never skips, when none exists)', async () => {
    const ctx = await createContext({ backend: 'webgpu' });
    try {
      expect(ctx.kind).toBe('webgpu');
      expect(ctx.adapter.backend).toBe('webgpu');
      // Say which adapter ran the GPU tests.
      console.log(`adapter: ${JSON.stringify(ctx.adapter)}`);
    } finally {
      ctx.destroy();
    }
  });

  it('a destroyed context throws DeviceLostError on either backend', async () => {
    for (const backend of ['cpu', 'webgpu'] as const) {
      const ctx = await createContext({ backend });
      const t = ctx.tensor([1, 2], [2]);
      ctx.destroy();
      expect(() => ctx.zeros([2]), backend).toThrow(DeviceLostError);
      expect(() => ctx.activation(t, 'relu'), backend).toThrow(DeviceLostError);
      await expect(ctx.read(t), backend).rejects.toThrow(DeviceLostError);
    }
  });

  it('gives the CPU reference only when asked', async () => {
    const cpu = await createContext({ backend: 'cpu' });
    expect(cpu.kind).toBe('cpu');
  });

  it('rejects an unknown backend by name', async () => {
    await expect(createContext({ backend: 'metal' as 'cpu' })).rejects.toThrow(ValueError);
    await expect(createContext({ backend: 'metal' as 'cpu' })).rejects.toThrow(
      /backend: expected 'webgpu' or 'cpu', got "metal"/,
    );
  });

  it('says why when there is no adapter', async () => {
    const noAdapterGpu = { requestAdapter: async () => null } as unknown as GPU;
    await expect(createContext({ gpu: noAdapterGpu })).rejects.toThrow(NoAdapterError);
    await expect(createContext({ gpu: noAdapterGpu })).rejects.toThrow(/No WebGPU adapter found/);
  });

  it('tells a library user what to install when Node has no adapter, not a command of this repository', async () => {
    const noAdapterGpu = { requestAdapter: async () => null } as unknown as GPU;
    const message = await createContext({ gpu: noAdapterGpu }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(message).toMatch(/mesa-vulkan-drivers/);
    expect(message).toMatch(/VK_ICD_FILENAMES/);
    expect(message).toMatch(/backend: 'cpu'/);
    expect(message).not.toMatch(/npm run/);
  });
});

describe('recurrent kernel variants', () => {
  it("default per adapter class ('blocked' on software adapters); forced by option or setter; unknown names refused", async () => {
    const ctx = await createContext({ backend: 'webgpu' });
    try {
      expect(ctx.recurrentVariant).toBe(
        ctx.adapter.software ? 'blocked' : ctx.device.features.has('subgroups') ? 'split-subgroup' : 'split',
      );
      ctx.recurrentVariant = 'split';
      expect(ctx.recurrentVariant).toBe('split');
      expect(() => (ctx.recurrentVariant = 'fast' as 'split')).toThrow(
        /recurrentVariant: expected 'auto', 'blocked', 'split', 'split-subgroup', got "fast"/,
      );
      expect(ctx.recurrentVariant).toBe('split');
    } finally {
      ctx.destroy();
    }
    await expect(createContext({ recurrentVariant: 'fast' as 'split' })).rejects.toThrow(ValueError);
    const forced = await createContext({ recurrentVariant: 'split' });
    expect(forced.recurrentVariant).toBe('split');
    forced.destroy();
  });

  it("refuses 'split-subgroup' with a typed error on an adapter without the subgroups feature", async () => {
    // The real adapter with `subgroups` hidden, as an adapter without it would report.
    const gpu = create([]);
    const withoutSubgroups = {
      requestAdapter: async (o?: GPURequestAdapterOptions) => {
        const adapter = (await gpu.requestAdapter(o))!;
        const features = new Set([...adapter.features].filter((f) => f !== 'subgroups'));
        return new Proxy(adapter, {
          get: (a, k) =>
            k === 'features'
              ? features
              : typeof Reflect.get(a, k) === 'function'
                ? Reflect.get(a, k).bind(a)
                : Reflect.get(a, k),
        });
      },
    } as unknown as GPU;
    const plain = await createContext({ gpu: withoutSubgroups, recurrentVariant: 'split' });
    expect(plain.device.features.has('subgroups')).toBe(false);
    expect(() => (plain.recurrentVariant = 'split-subgroup')).toThrow(UnsupportedFeatureError);
    plain.destroy();
    await expect(createContext({ gpu: withoutSubgroups, recurrentVariant: 'split-subgroup' })).rejects.toThrow(
      /'split-subgroup' needs the adapter's 'subgroups' feature/,
    );
  });
});
