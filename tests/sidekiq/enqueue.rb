# Enqueue the test's jobs through Sidekiq's own client.
require_relative "app"

4.times { |i| MailJob.perform_async(i) }
2.times { |i| MailJob.perform_in(600, 100 + i) }
3.times { |i| FlakyJob.perform_async(i) }
2.times { |i| DoomedJob.perform_async(i) }
4.times { SlowJob.perform_async(120) }
