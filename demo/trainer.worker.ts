// The pages' training worker: the library's worker script, bundled by Vite with the page (an app that
// installed the package writes `import 'webgpu-rnn/worker';` instead).
import '../src/worker/entry.js';
