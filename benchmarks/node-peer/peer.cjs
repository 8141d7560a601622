// The Node.js peer of producer-e2e: user records aggregated into 1 MB KPL records with aws-kinesis-agg and sent with
// PutRecords (up to 4 aggregates, under the 5 MB call limit) through the AWS SDK for JavaScript v3, at most
// `concurrency` calls in flight; failed entries are sent again. No shard prediction, no per-record promises.
// Prints one JSON line: records, seconds, cpuSeconds (this process's user + system CPU time for the run).
// With WARM_UP > 0, first puts that many records the same way, unmeasured (V8 compiles its hot paths meanwhile).
// node peer.cjs ENDPOINT STREAM RECORDS RECORD_SIZE CONCURRENCY ACCESS_KEY SECRET_KEY REGION [WARM_UP]
const crypto = require('node:crypto');
const http = require('node:http');
const { KinesisClient, PutRecordsCommand } = require('@aws-sdk/client-kinesis');
const { NodeHttpHandler } = require('@smithy/node-http-handler');
const { RecordAggregator } = require('aws-kinesis-agg/lib/kpl-agg');

const [endpoint, stream, recordsArg, sizeArg, concurrencyArg, accessKeyId, secretAccessKey, region, warmUpArg] = process.argv.slice(2);
const records = Number(recordsArg);
const warmUp = Number(warmUpArg ?? 0);
const concurrency = Number(concurrencyArg);
const payload = crypto.randomBytes(Number(sizeArg));
// The 5,000 partition keys, made once (as the .NET runner does), so neither side's figure includes building them per record.
const keys = Array.from({ length: 5000 }, (_, i) => `user-${String(i).padStart(6, '0')}`);
// HTTP/1.1 with keep-alive, as the .NET side uses against kinesalite (the client's default HTTP/2 handler needs TLS).
const client = new KinesisClient({
  endpoint,
  region,
  credentials: { accessKeyId, secretAccessKey },
  requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: concurrency }) }),
});
const aggregatesPerCall = 4;

async function put(entries) {
  for (let attempt = 0; entries.length > 0; attempt++) {
    if (attempt > 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * attempt)));
    }

    const response = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
    entries = response.FailedRecordCount > 0 ? entries.filter((_, i) => response.Records[i].ErrorCode) : [];
  }
}

async function run(records) {
  const inFlight = new Set();
  let batch = [];
  const send = async (entries) => {
    const call = put(entries).finally(() => inFlight.delete(call));
    inFlight.add(call);
    if (inFlight.size >= concurrency) {
      await Promise.race(inFlight);
    }
  };

  const aggregator = new RecordAggregator();
  for (let i = 0; i < records; i++) {
    const record = { partitionKey: keys[i % keys.length], data: payload };
    if (!aggregator.checkIfUserRecordFits(record)) {
      const encoded = aggregator.build();
      batch.push({ PartitionKey: encoded.partitionKey, Data: encoded.data });
      if (batch.length === aggregatesPerCall) {
        await send(batch);
        batch = [];
      }
    }

    aggregator.addUserRecord(record);
  }

  if (aggregator.length() > 0) {
    const encoded = aggregator.build();
    batch.push({ PartitionKey: encoded.partitionKey, Data: encoded.data });
  }

  if (batch.length > 0) {
    await send(batch);
  }

  await Promise.all(inFlight);
}

async function main() {
  if (warmUp > 0) {
    await run(warmUp);
  }

  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await run(records);
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ records, seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
