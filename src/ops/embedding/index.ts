import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { EmbeddingMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const embedding = defineOp<EmbeddingMethods>({
  name: 'embedding',
  kernels: [webgpu.EMBEDDING, webgpu.EMBEDDING_BACKWARD],
  cpu: { embedding: cpu.embedding, embeddingBackward: cpu.embeddingBackward },
  webgpu: { embedding: webgpu.embedding, embeddingBackward: webgpu.embeddingBackward },
});
