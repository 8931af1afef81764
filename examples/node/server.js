// A Node HTTP server for rein's cluster mode: it serves on the socket rein hands it (LISTEN_FDS,
// fd 3), says it is ready the PM2 way (process.send('ready'), for wait_ready), and drains
// gracefully on SIGINT: it stops accepting (rein keeps the listening socket open, so the other
// instances take new connections), answers requests on connections already open with
// "Connection: close", and exits once they are closed. Without rein it listens on $PORT or 8080.
'use strict';
const http = require('http');
const net = require('net');

let draining = false;
const server = http.createServer((req, res) => {
  if (draining) res.setHeader('Connection', 'close');
  res.setHeader('Content-Type', 'text/plain');
  res.end(`pid ${process.pid}\n`);
});

const inherited = Number(process.env.LISTEN_FDS || 0) > 0 &&
  Number(process.env.LISTEN_PID || process.pid) === process.pid;
server.listen(inherited ? { fd: 3 } : { port: Number(process.env.PORT || 8080) }, () => {
  if (process.send) process.send('ready');
});

function drain() {
  if (draining) return;
  draining = true;
  // net.Server's close only stops accepting. http.Server's own close (Node >= 19) would also
  // drop idle kept-alive connections at once, racing requests clients are sending on them.
  net.Server.prototype.close.call(server, () => process.exit(0));
  // Connections that stay idle get a short grace period to send one last request.
  setTimeout(() => server.closeIdleConnections(), 1000).unref();
  // Leave the IPC channel, so it cannot keep the process alive.
  if (process.disconnect && process.connected) process.disconnect();
}
process.on('SIGINT', drain);
process.on('SIGTERM', drain);
