import type { Plugin } from 'vite';

// The pages' nav links follow the static build's layout (demo/… and bench/… beside the landing index.html),
// but each dev server serves one folder at / (package.json: `npm run demo` demo/ on 5175, `npm run bench:page`
// bench/ on 5174). In dev, a link into the other folder goes to the other server.
const DEV_SERVERS: Record<string, string> = { demo: 'http://localhost:5175', bench: 'http://localhost:5174' };

export function linksToOtherDevServer(): Plugin {
  return {
    name: 'links-to-other-dev-server',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /^\/(demo|bench)\/(.*)$/.exec(req.url ?? '');
        if (!m) return next();
        res.writeHead(302, { location: `${DEV_SERVERS[m[1]]}/${m[2]}` }).end();
      });
    },
  };
}
