/**
 * A plain Node HTTP server that streams files: the download benchmark's baseline, run in a child
 * process like the BatchRouter server. `node bench/lib/file-server.ts FILE…` serves the n-th file
 * given at `GET /<n>` (nothing else), listens on a free port of 127.0.0.1 and prints the port on
 * its first line of stdout.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';

const files = process.argv.slice(2);

const server = createServer((request, response) => {
  const file = /^\/(\d+)$/.test(request.url ?? '') ? files[Number(request.url?.slice(1))] : undefined;
  if (request.method !== 'GET' || file === undefined) {
    response.writeHead(404).end();
    return;
  }
  void stat(file)
    .then(async ({ size }) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'content-length': size });
      await pipeline(createReadStream(file), response);
    })
    .catch(() => response.destroy());
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  console.log(address.port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
