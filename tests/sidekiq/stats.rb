# What Sidekiq's own API reports, per queue, as JSON on one line.
require "json"
require "sidekiq/api"

queues = ARGV
retry_set, scheduled, dead = Sidekiq::RetrySet.new, Sidekiq::ScheduledSet.new, Sidekiq::DeadSet.new
busy = Sidekiq::Workers.new.map { |_process, _thread, work| work["queue"] }
out = queues.to_h do |name|
  queue = Sidekiq::Queue.new(name)
  [name, {
    "depth" => queue.size, "latency" => queue.latency,
    "retrying" => retry_set.count { |job| job.queue == name },
    "scheduled" => scheduled.count { |job| job.queue == name },
    "failed" => dead.count { |job| job.queue == name },
    "in_flight" => busy.count(name),
  }]
end
puts JSON.generate(out)
