# A real Sidekiq app for the queue tests: `sidekiq -r ./app.rb -q slow -q flaky -q default`.
# REDIS_URL names the harness's Redis (never the machine's).
require "sidekiq"

class MailJob
  include Sidekiq::Worker
  sidekiq_options queue: "mailers"

  def perform(order_id)
    order_id
  end
end

class SlowJob
  include Sidekiq::Worker
  sidekiq_options queue: "slow"

  def perform(seconds)
    sleep seconds
  end
end

class FlakyJob
  include Sidekiq::Worker
  sidekiq_options queue: "flaky", retry: 5

  def perform(order_id)
    raise "payment provider timed out for #{order_id}"
  end
end

class DoomedJob
  include Sidekiq::Worker
  sidekiq_options queue: "default", retry: 0

  def perform(order_id)
    raise "order #{order_id} is poisoned"
  end
end
