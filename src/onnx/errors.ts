// The ONNX entry's typed error: it names where (an argument, a node, a tensor), what was expected and what came.
import { WebGpuRnnError } from '../core/errors.js';

/** An ONNX file could not be read, written or mapped: `where` names the argument, node or tensor. */
export class OnnxError extends WebGpuRnnError {
  constructor(
    readonly where: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${where}: expected ${expected}, got ${actual}`);
  }
}
