import { describe, expect, it } from 'vitest';
import { createContext, NoAdapterError, ValueError } from '../src/index.js';

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

  it('gives the CPU reference only when asked', async () => {
    const cpu = await createContext({ backend: 'cpu' });
    expect(cpu.kind).toBe('cpu');
  });

  it('rejects an unknown backend by name', async () => {
    await expect(createContext({ backend: 'metal' as 'cpu' })).rejects.toThrow(ValueError);
    await expect(createContext({ backend: 'metal' as 'cpu' })).rejects.toThrow(/backend: expected 'webgpu' or 'cpu', got "metal"/);
  });

  it('says why when there is no adapter', async () => {
    const noAdapterGpu = { requestAdapter: async () => null } as unknown as GPU;
    await expect(createContext({ gpu: noAdapterGpu })).rejects.toThrow(NoAdapterError);
    await expect(createContext({ gpu: noAdapterGpu })).rejects.toThrow(/No WebGPU adapter found/);
  });

  it('tells a library user what to install when Node has no adapter, not a command of this repository', async () => {
    const noAdapterGpu = { requestAdapter: async () => null } as unknown as GPU;
    const message = await createContext({ gpu: noAdapterGpu }).then(() => '', (e: Error) => e.message);
    expect(message).toMatch(/mesa-vulkan-drivers/);
    expect(message).toMatch(/VK_ICD_FILENAMES/);
    expect(message).toMatch(/backend: 'cpu'/);
    expect(message).not.toMatch(/npm run/);
  });
});
