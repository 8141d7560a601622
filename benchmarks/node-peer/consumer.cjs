// The Node.js consumer peer of consumer-cost: what a hand-written Node consumer does with the same job as
// kinesis-console-consumer. One GetRecords loop per shard (AWS SDK for JavaScript v3, HTTP/1.1 keep-alive), at most one
// call per shard every POLL_MS measured from the previous call's start, aws-kinesis-agg deaggregation (MD5 checked, as
// the KCL does), and one JSON line per user record with its data in base64, written to stdout a batch at a time.
// Stops when RECORDS user records were printed, or after IDLE_SECONDS when RECORDS is 0 (an idle run).
// Prints one JSON line on stderr at the end: records, seconds, polls, cpuSeconds (this process's user + system time).
// node consumer.cjs ENDPOINT STREAM RECORDS IDLE_SECONDS POLL_MS ACCESS_KEY SECRET_KEY REGION
const http = require('node:http');
const { KinesisClient, ListShardsCommand, GetShardIteratorCommand, GetRecordsCommand } = require('@aws-sdk/client-kinesis');
const { NodeHttpHandler } = require('@smithy/node-http-handler');
const { deaggregateSync } = require('aws-kinesis-agg');

const [endpoint, stream, recordsArg, idleArg, pollArg, accessKeyId, secretAccessKey, region] = process.argv.slice(2);
const target = Number(recordsArg);
const idleSeconds = Number(idleArg);
const pollMs = Number(pollArg);
const client = new KinesisClient({
  endpoint,
  region,
  credentials: { accessKeyId, secretAccessKey },
  requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let printed = 0;
let polls = 0;
let done = false;

function write(text) {
  return process.stdout.write(text) ? Promise.resolve() : new Promise((resolve) => process.stdout.once('drain', resolve));
}

async function readShard(shardId) {
  let { ShardIterator: iterator } = await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
  while (!done && iterator) {
    const started = performance.now();
    polls++;
    const response = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
    let lines = '';
    for (const record of response.Records) {
      deaggregateSync(record, true, (error, userRecords) => {
        if (error) {
          throw error;
        }

        for (const user of userRecords) {
          lines += JSON.stringify({
            shardId,
            sequenceNumber: user.SequenceNumber,
            subSequenceNumber: user.SubSequenceNumber,
            partitionKey: user.PartitionKey,
            explicitHashKey: user.ExplicitPartitionKey ?? null,
            approximateArrivalTimestamp: record.ApproximateArrivalTimestamp.toISOString(),
            data: user.Data,
          }) + '\n';
          printed++;
        }
      });
    }

    if (lines.length > 0) {
      await write(lines);
    }

    if (target > 0 && printed >= target) {
      done = true;
    }

    iterator = response.NextShardIterator;
    const wait = pollMs - (performance.now() - started);
    if (!done && wait > 0) {
      await sleep(wait);
    }
  }
}

async function main() {
  const started = performance.now();
  const { Shards: shards } = await client.send(new ListShardsCommand({ StreamName: stream }));
  if (target === 0) {
    setTimeout(() => { done = true; }, idleSeconds * 1000);
  }

  await Promise.all(shards.map((shard) => readShard(shard.ShardId)));
  const cpu = process.cpuUsage();
  process.stderr.write(JSON.stringify({ records: printed, seconds: (performance.now() - started) / 1000, polls, cpuSeconds: (cpu.user + cpu.system) / 1e6 }) + '\n');
  client.destroy();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
