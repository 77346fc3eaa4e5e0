// The production server (`npm start` runs it once the database is migrated and the app built):
// Next's request handler behind lib/http/server.ts, which answers in JSON what Next answers with a
// bare 500, an HTML page or an empty body, and closes a connection cleanly after refusing a body.
// Takes next start's -p/--port and -H/--hostname.
import { tsImport } from 'tsx/esm/api';

process.env.NODE_ENV = 'production';
const args = process.argv.slice(2);
const option = (...names) => {
  for (const [i, arg] of args.entries()) {
    if (names.includes(arg)) return args[i + 1];
    const [name, value] = arg.split('=', 2);
    if (names.includes(name) && value !== undefined) return value;
  }
  return undefined;
};
const port = Number(option('-p', '--port') ?? process.env.PORT ?? 3000);
const hostname = option('-H', '--hostname');

const { default: next } = await import('next');
const app = next({ dev: false, dir: process.cwd(), hostname: hostname ?? 'localhost', port });
const [, { createAppServer }] = await Promise.all([app.prepare(), tsImport('../lib/http/server.ts', import.meta.url)]);
const server = createAppServer(app.getRequestHandler());
server.listen(port, hostname, () => console.log(`✓ Ready on http://${hostname ?? 'localhost'}:${port}`));

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close();
    server.closeIdleConnections();
    app.close().finally(() => process.exit(0));
  });
}
