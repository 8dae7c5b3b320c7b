// The clearing thread: look for dates due, clear them, sleep until the next date's close plus
// grace (or the retry interval after a failure).
#include "gateway/clearing_daemon.h"

#include <algorithm>
#include <cstdio>

#include "clearing/cutoff.h"
#include "config/limits.h"
#include "protocol/merchant_resources.h"

namespace sy::gateway {
namespace {

std::chrono::sys_seconds now_s() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// JSON string content: the messages name files, ids and dates, but a path may hold anything.
std::string json_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

clearing_daemon::clearing_daemon(const clearing::store::environment& env,
                                 clearing::store::writer& writer,
                                 const clearing::business_calendar& calendar, hsm::backend& hsm,
                                 std::function<config::snapshot()> current)
    : env_(env), writer_(writer), calendar_(calendar), hsm_(hsm), current_(std::move(current)) {
  thread_ = std::thread([this] { run(); });
}

clearing_daemon::~clearing_daemon() {
  stop();
}

void clearing_daemon::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

clearing_counters clearing_daemon::counters() const {
  const std::lock_guard lock(mutex_);
  return counters_;
}

void clearing_daemon::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const auto next = clear_due(now_s());
    lock.lock();
    wake_.wait_until(lock, std::chrono::system_clock::time_point{next},
                     [this] { return stopping_; });
  }
}

std::chrono::sys_seconds clearing_daemon::clear_due(std::chrono::sys_seconds now) {
  const config::snapshot cfg = current_();
  const std::chrono::seconds grace{cfg->clearing.grace_s};
  const auto today =
      calendar_.date_of(std::chrono::time_point_cast<std::chrono::milliseconds>(now));
  // The next date to come due: yesterday's while its grace period runs (a switch started just
  // after a cutoff), else today's.
  const std::chrono::year_month_day yesterday{std::chrono::sys_days{today} - std::chrono::days{1}};
  auto next = calendar_.close_of(yesterday) + grace > now ? calendar_.close_of(yesterday) + grace
                                                          : calendar_.close_of(today) + grace;
  const auto retry = now + std::chrono::seconds{limits::clearing_retry_s};
  auto due = clearing::dates_due(env_, calendar_, cfg->clearing.grace_s, now);
  if (!due) {
    std::fprintf(stderr,
                 "{\"level\":\"warn\",\"component\":\"clearing\",\"event\":\"clearing_failed\","
                 "\"detail\":\"reading the store: %s\"}\n",
                 json_escaped(due.error().message()).c_str());
    const std::lock_guard lock(mutex_);
    ++counters_.failures;
    return retry;
  }
  // A date sealed whose files could not all be published (a full disk) is no longer due, but
  // clearing it again completes them: it is tried until that succeeds.
  for (const auto date : failed_) {
    if (std::find(due->begin(), due->end(), date) == due->end()) due->push_back(date);
  }
  std::sort(due->begin(), due->end());
  const clearing::clearing_context ctx{env_, writer_, *cfg, calendar_, &hsm_};
  for (const auto date : *due) {
    {
      const std::lock_guard lock(mutex_);
      if (stopping_) return now;
    }
    const std::string date_text = protocol::format_date(date);
    const auto report = clearing::clear_date(ctx, date, now_s());
    const std::lock_guard lock(mutex_);
    if (!report) {
      std::fprintf(stderr,
                   "{\"level\":\"warn\",\"component\":\"clearing\",\"event\":\"clearing_failed\","
                   "\"date\":\"%s\",\"error\":\"%s\",\"detail\":\"%s\"}\n",
                   date_text.c_str(), std::string(clearing::to_string(report.error().code)).c_str(),
                   json_escaped(report.error().message).c_str());
      ++counters_.failures;
      failed_.insert(date);
      next = std::min(next, retry);
      continue;
    }
    failed_.erase(date);
    std::fprintf(stderr,
                 "{\"level\":\"info\",\"component\":\"clearing\",\"event\":\"cleared\","
                 "\"date\":\"%s\",\"events\":%llu,\"adjustments\":%llu,\"files\":%zu}\n",
                 date_text.c_str(), static_cast<unsigned long long>(report->batch.member_count),
                 static_cast<unsigned long long>(report->batch.adjustment_count),
                 report->files.size());
    ++counters_.runs;
  }
  return next;
}

}  // namespace sy::gateway
