// Preloaded into every emulator with `node -r`:
// 1. binds servers that would listen on all interfaces to 127.0.0.1 only (kinesalite has no host
//    option, kinesis-local always listens on 0.0.0.0);
// 2. reports every port it binds as "@@local-aws listening <port>" on stderr, so the launcher knows the
//    port it chose is really held by this emulator and not by another process that took it meanwhile;
// 3. exits when the process that launched us is gone (LOCAL_AWS_PARENT_PID), so a test host that is
//    killed hard (SIGKILL, crash) never leaves an emulator behind.
'use strict';
const net = require('net');

const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  this.once('listening', () => {
    const address = this.address();
    if (address && typeof address === 'object') {
      process.stderr.write(`@@local-aws listening ${address.port}\n`);
    }
  });
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const callback = args.find((a) => typeof a === 'function');
    return originalListen.call(this, { port: Number(first), host: '127.0.0.1' }, callback);
  }
  if (first && typeof first === 'object' && first.path === undefined && first.fd === undefined) {
    args[0] = Object.assign({}, first, { host: '127.0.0.1' });
  }
  return originalListen.apply(this, args);
};

const parentPid = Number(process.env.LOCAL_AWS_PARENT_PID || 0);
if (parentPid > 0) {
  const timer = setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch (err) {
      if (err.code === 'ESRCH') {
        process.exit(0);
      }
    }
  }, 500);
  timer.unref();
}
