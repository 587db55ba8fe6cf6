// Starts a real Unleash (open-source) on 127.0.0.1:$UNLEASH_PORT against $DATABASE_URL,
// with authentication type "none" (tests only). Started and stopped by tests/servers.py.
const unleash = require('unleash-server');

unleash
  .start({
    db: { connectionString: process.env.DATABASE_URL, ssl: false },
    server: { port: Number(process.env.UNLEASH_PORT), host: '127.0.0.1' },
    authentication: { type: 'none' },
    logLevel: 'warn',
  })
  .then(() => console.log('UNLEASH-READY'))
  .catch((err) => { console.error(err); process.exit(1); });
