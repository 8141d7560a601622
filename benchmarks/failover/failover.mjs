// Failover after kill -9, measured from outside as a user sees it (see docs/load-runner.md, "Failover").
//
// Starts kinesis-local and dynalite (tools/local-aws), creates a stream, puts records continuously through
// kinesis-console-producer, and per trial runs N kinesis-console-consumer worker processes on a fresh lease table
// with the default lease timings. Once the leases are balanced it waits a random part of a taker interval, kills one
// worker with SIGKILL and reports, for each shard that worker held:
//   failover   = first record printed by another worker on that shard - the dead worker's last renewal of its lease
//                (the last change of the lease counter seen by polling the lease table every 100 ms)
//   duplicates = records of that shard printed both by the dead worker and by the new owner.
//
// usage: node benchmarks/failover/failover.mjs [--trials 3] [--workers 3] [--shards 6] [--rate 50]
//          [--consumer DLL] [--producer DLL] [--label NAME] [--output DIR]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const trials = Number(args.trials ?? 3);
const workers = Number(args.workers ?? 3);
const shards = Number(args.shards ?? 6);
const rate = Number(args.rate ?? 50);
const label = args.label ?? 'current';
const consumerDll = args.consumer ?? join(repo, 'samples/ConsoleConsumer/bin/Release/net10.0/kinesis-console-consumer.dll');
const producerDll = args.producer ?? join(repo, 'samples/ConsoleProducer/bin/Release/net10.0/kinesis-console-producer.dll');
const output = args.output ?? join(repo, 'results');
const takerInterval = 20_050; // the default (FailoverTime + Epsilon) x 2
for (const dll of [consumerDll, producerDll]) {
  if (!existsSync(dll)) {
    console.error(`missing ${dll}: dotnet build samples/ConsoleConsumer samples/ConsoleProducer -c Release`);
    process.exit(2);
  }
}

const base = 20000 + Math.floor(Math.random() * 20000);
const ports = { kl: base, ka: base + 1, dy: base + 2 };
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'failover', AWS_SECRET_ACCESS_KEY: 'failover', AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' };
const kinesisUrl = `http://127.0.0.1:${ports.kl}/`;
const dynamoUrl = `http://127.0.0.1:${ports.dy}/`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now();
const children = new Set();
const track = (child) => { children.add(child); child.on('exit', () => children.delete(child)); return child; };
process.on('exit', () => { for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } } });

async function call(url, target, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': target.startsWith('Kinesis') ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0',
      'X-Amz-Target': target,
      'X-Amz-Date': '20260101T000000Z',
      // The emulators require a SigV4-shaped header and do not check the signature.
      Authorization: 'AWS4-HMAC-SHA256 Credential=failover/20260101/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${target}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

async function until(condition, timeoutMs, what) {
  const deadline = now() + timeoutMs;
  while (now() < deadline) {
    try { if (await condition()) return; } catch { /* not yet */ }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// The lease table, polled every 100 ms: per lease, owner, counter and when this poll first saw the counter.
function pollLeases(table) {
  const state = new Map();
  let stop = false;
  const done = (async () => {
    while (!stop) {
      try {
        const result = await call(dynamoUrl, 'DynamoDB_20120810.Scan', { TableName: table, ConsistentRead: true });
        const t = now();
        for (const item of result.Items ?? []) {
          const key = item.leaseKey.S;
          const owner = item.leaseOwner?.S ?? null;
          const counter = Number(item.leaseCounter?.N ?? 0);
          const old = state.get(key);
          if (!old || old.counter !== counter) {
            state.set(key, { owner, counter, since: t, history: [...(old?.history ?? []), { t, owner, counter }] });
          }
        }
      } catch { /* table not there yet */ }
      await sleep(100);
    }
  })();
  return { state, stop: async () => { stop = true; await done; } };
}

function startConsumer(app, id, lines) {
  const child = track(spawn('dotnet', [consumerDll, '--stream', 'failover', '--application', app, '--kinesis-endpoint', kinesisUrl,
    '--dynamodb-endpoint', dynamoUrl, '--initial-position', 'latest', '--worker-id', id, '--print-worker-id'], { env, stdio: ['ignore', 'pipe', 'ignore'] }));
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const r = JSON.parse(line);
      lines.push({ t: now(), worker: r.workerId, shard: r.shardId, seq: `${r.sequenceNumber}/${r.subSequenceNumber}` });
    } catch { /* not a record */ }
  });
  return child;
}

async function trial(n) {
  const app = `failover-${n}-${Math.floor(Math.random() * 1e6)}`;
  const poll = pollLeases(app);
  const lines = [];
  const consumers = new Map();
  for (let i = 1; i <= workers; i++) consumers.set(`w-${i}`, startConsumer(app, `w-${i}`, lines));

  const owned = (id) => [...poll.state.entries()].filter(([, s]) => s.owner === id).map(([k]) => k);
  const balanced = () => poll.state.size === shards && [...consumers.keys()].every((id) => owned(id).length === shards / workers);
  await until(async () => balanced(), 300_000, 'balanced leases');

  // Anywhere in a taker interval, and only while records flow on every shard.
  await sleep(5_000 + Math.random() * takerInterval);
  const victim = `w-${1 + Math.floor(Math.random() * workers)}`;
  const orphaned = owned(victim);
  const killTime = now();
  consumers.get(victim).kill('SIGKILL');

  const firstByNewOwner = (shard) => lines.find((l) => l.shard === shard && l.worker !== victim && l.t > killTime);
  await until(async () => orphaned.every(firstByNewOwner), 120_000, 'records from the new owners').catch((e) => console.error(e.message));
  await sleep(3_000);
  for (const [id, c] of consumers) if (id !== victim) c.kill('SIGTERM');
  await Promise.all([...consumers.values()].map((c) => (c.exitCode !== null || c.signalCode ? null : new Promise((r) => c.on('exit', r)))));
  await poll.stop();

  const results = orphaned.map((shard) => {
    // The last counter change seen while the victim owned the lease.
    const renewals = poll.state.get(shard).history.filter((h) => h.owner === victim && h.t <= killTime + 1_000);
    const lastRenewal = renewals.at(-1)?.t ?? NaN;
    const first = firstByNewOwner(shard);
    const byVictim = new Set(lines.filter((l) => l.shard === shard && l.worker === victim).map((l) => l.seq));
    const duplicates = lines.filter((l) => l.shard === shard && l.worker !== victim && byVictim.has(l.seq)).length;
    return { shard, newOwner: first?.worker ?? null, lastRenewalToKillMs: killTime - lastRenewal, failoverMs: first ? first.t - lastRenewal : null, duplicates };
  });
  return { trial: n, victim, results };
}

mkdirSync(output, { recursive: true });
const emulators = track(spawn('bash', [join(repo, 'tools/local-aws/start.sh')], {
  env: { ...env, KINESIS_LOCAL_PORT: String(ports.kl), KINESALITE_PORT: String(ports.ka), DYNALITE_PORT: String(ports.dy) }, stdio: 'ignore', detached: false,
}));
let producer;
try {
  await until(async () => (await call(kinesisUrl, 'Kinesis_20131202.ListStreams', {})) && (await call(dynamoUrl, 'DynamoDB_20120810.ListTables', {})), 120_000, 'emulators');
  await call(kinesisUrl, 'Kinesis_20131202.CreateStream', { StreamName: 'failover', ShardCount: shards });
  await until(async () => (await call(kinesisUrl, 'Kinesis_20131202.DescribeStreamSummary', { StreamName: 'failover' })).StreamDescriptionSummary.StreamStatus === 'ACTIVE', 60_000, 'stream');

  producer = track(spawn('dotnet', [producerDll, '--stream', 'failover', '--endpoint', kinesisUrl, '--aggregation', 'off', '--key-separator', '|'], { env, stdio: ['pipe', 'ignore', 'ignore'] }));
  let sequence = 0;
  const put = setInterval(() => producer.stdin.write(`k${sequence++ % 997}|${now()}\n`), 1000 / rate);

  const all = [];
  for (let n = 1; n <= trials; n++) {
    const r = await trial(n);
    all.push(r);
    for (const s of r.results) console.log(`${label} trial ${n} victim ${r.victim} ${s.shard} -> ${s.newOwner}: failover ${s.failoverMs} ms after the last renewal (killed ${s.lastRenewalToKillMs} ms after it), ${s.duplicates} duplicates`);
  }

  clearInterval(put);
  const failovers = all.flatMap((r) => r.results.map((s) => s.failoverMs)).filter((x) => x !== null).sort((a, b) => a - b);
  const summary = {
    label, trials, workers, shards, rate, failoverMs: failovers,
    minMs: failovers[0], medianMs: failovers[Math.floor(failovers.length / 2)], maxMs: failovers.at(-1),
    duplicatesPerFailover: all.map((r) => r.results.reduce((a, s) => a + s.duplicates, 0)),
    trialsDetail: all,
  };
  console.log(`${label}: failover min ${summary.minMs} / median ${summary.medianMs} / max ${summary.maxMs} ms over ${failovers.length} shards; duplicates per failover ${summary.duplicatesPerFailover.join(', ')}`);
  writeFileSync(join(output, `failover-${label}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(summary, null, 2));
} finally {
  producer?.stdin.end();
  emulators.kill('SIGTERM');
}
