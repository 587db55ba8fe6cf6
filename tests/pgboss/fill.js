// Fill pg-boss queues through pg-boss itself, then print what pg-boss reports (one JSON line).
// usage: node fill.js <postgres connection string>
const PgBoss = require('pg-boss')

async function main () {
  const boss = new PgBoss({ connectionString: process.argv[2], supervise: false, schedule: false })
  boss.on('error', (err) => { console.error(err); process.exit(1) })
  await boss.start()
  for (const name of ['mail', 'fail', 'busy']) await boss.createQueue(name)
  for (let i = 0; i < 4; i++) await boss.send('mail', { i })
  for (let i = 0; i < 2; i++) await boss.send('mail', { later: i }, { startAfter: 600 })
  for (let i = 0; i < 2; i++) await boss.send('fail', { i }, { retryLimit: 0 })
  await boss.send('fail', { flaky: true }, { retryLimit: 3, retryDelay: 600 })
  for (const job of await boss.fetch('fail', { batchSize: 3 })) await boss.fail('fail', job.id, { error: 'boom' })
  for (let i = 0; i < 3; i++) await boss.send('busy', { i })
  await boss.fetch('busy', { batchSize: 2 }) // two jobs taken by a worker: active
  const out = {}
  for (const name of ['mail', 'fail', 'busy']) {
    out[name] = {
      queued: await boss.getQueueSize(name), // created + retry
      upToActive: await boss.getQueueSize(name, { before: 'completed' }) // created + retry + active
    }
  }
  console.log(JSON.stringify(out))
  await boss.stop({ graceful: false, wait: true })
}

main().catch((err) => { console.error(err); process.exit(1) })
