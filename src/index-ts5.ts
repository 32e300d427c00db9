// The typings' entry for TypeScript 5.x (package.json's "types@<6" export condition). The typings use
// GPUDevice, GPUBuffer, …: TypeScript 6 and later declare them in lib.dom, where @webgpu/types would clash;
// 5.x has them only from @webgpu/types (a dependency), which this line brings into the consumer's program.
/// <reference types="@webgpu/types" preserve="true" />
export * from './index.js';
