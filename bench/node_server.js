// The handoff scenario's Node server, written as the Node.js guides write one: it binds its own
// port with http.createServer(...).listen(PORT), with nothing for rein or PM2 in it. Two generic
// additions, neither for a particular manager:
// - systemd's socket-activation protocol (LISTEN_FDS, LISTEN_PID): when a listening socket is
//   passed at fd 3 it serves on that, else on $PORT. Only the bench's baseline (rein's `listen`)
//   passes one; under PM2 and under rein's bind hand-off the server calls listen(PORT) itself.
// - a graceful shutdown on SIGINT, as any server replaced under load needs: stop accepting,
//   answer the next request on each open keep-alive connection with "Connection: close", and
//   exit once they are closed (idle ones get a second to send a last request).
'use strict';
const http = require('http');
const net = require('net');

let closing = false;
const server = http.createServer((req, res) => {
  if (closing) res.setHeader('Connection', 'close');
  res.end('hello\n');
});

const passed = Number(process.env.LISTEN_FDS || 0) > 0 &&
  Number(process.env.LISTEN_PID) === process.pid;
server.listen(passed ? { fd: 3 } : Number(process.env.PORT || 3000));

process.on('SIGINT', () => {
  if (closing) return;
  closing = true;
  // http.Server's own close would also drop idle keep-alive connections at once, racing the
  // request a client may be sending on one; net.Server's only stops accepting.
  net.Server.prototype.close.call(server, () => process.exit(0));
  setTimeout(() => server.closeIdleConnections(), 1000).unref();
});
