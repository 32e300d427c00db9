// The onnx entry's typings for TypeScript 5.x (package.json's "types@<6" condition of "./onnx"), as
// src/index-ts5.ts for the main entry: the typings use GPUDevice and the like, which 5.x has only from @webgpu/types.
/// <reference types="@webgpu/types" preserve="true" />
export * from './index.js';
