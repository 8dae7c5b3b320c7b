// Crash test of the writer: a child process commits payments (the book's own units of work) as
// fast as it can and is killed with SIGKILL at a random moment, 50 times; after each restart every
// acknowledged payment is present and intact, and `store check` (envelopes and cross-table
// consistency) passes.
#include "clearing/store/writer.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "clearing/book.h"
#include "clearing/book_check.h"
#include "clearing/store/errc.h"
#include "clearing/store/inspection.h"
#include "store_test_support.h"

namespace sy::clearing::store {
namespace {

using test::options_for;
using test::temp_dir;

std::string id_of(int round, std::uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "pay_r%02d_%010llu", round, static_cast<unsigned long long>(i));
  return buf;
}

// A payment the switch declined itself, decided in one commit: idempotency record, payment,
// index entries, event and journal entry (7 records, about 1.3 KB).
payment_transition payment_of(int round, std::uint64_t i) {
  protocol::create_payment_request request;
  request.amount =
      protocol::money{static_cast<std::int64_t>(100 + i), *protocol::find_currency("CNY")};
  request.merchant_reference = "order-" + std::to_string(i % 7);
  request.description = std::string(400, static_cast<char>('a' + i % 26));
  request.payment_method = protocol::card_details{"4111111111111111", 12, 2030, "123", ""};
  const auto now = std::chrono::sys_seconds{std::chrono::seconds{1'795'303'125}};
  auto opened = open_payment(id_of(round, i), "m1", request, now);
  const event_stamp stamp{"ev_" + id_of(round, i).substr(4), event_time{now},
                          std::chrono::year_month_day{std::chrono::sys_days{}}};
  return *apply_outcome(
      *opened, channel_declined{protocol::decline::risk_limit_exceeded, std::nullopt}, stamp);
}

store::unit_of_work unit_of(int round, std::uint64_t i) {
  const auto decided_payment = payment_of(round, i);
  const auto now = decided_payment.payment.resource.created_at;
  const merchant_request m{"m1",
                           "key-" + id_of(round, i),
                           store::fingerprint("POST", "/v1/payments", id_of(round, i)),
                           now,
                           now + std::chrono::hours{24},
                           id_of(round, i)};
  return decided(m, decided_payment, stored_response{201, "{}"});
}

// The child: commits units forever, writing each acknowledged sequence number to `ack_fd`.
[[noreturn]] void commit_until_killed(const temp_dir& dir, int round, int ack_fd) {
  auto env = environment::open(options_for(dir));
  if (!env) ::_exit(3);
  writer w(**env);
  for (std::uint64_t i = 0;;) {
    auto ok = w.submit(unit_of(round, i), inline_executor(), [ack_fd, i](const commit_outcome& o) {
      if (o.error) ::_exit(4);
      // 8 bytes: below PIPE_BUF, so each acknowledgement arrives whole.
      if (::write(ack_fd, &i, sizeof i) != sizeof i) ::_exit(5);
    });
    if (ok) {
      ++i;
    } else if (ok.error() == errc::queue_full) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    } else {
      ::_exit(6);
    }
  }
}

// Reads whole acknowledgements from `fd` until `deadline` (or EOF when deadline is empty).
void read_acks(int fd, std::vector<std::uint64_t>& acks, std::string& partial,
               std::chrono::steady_clock::time_point deadline, bool until_eof) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!until_eof && left.count() <= 0) return;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, until_eof ? -1 : static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return;
    partial.append(buf, static_cast<std::size_t>(n));
    std::size_t whole = partial.size() / 8 * 8;
    for (std::size_t off = 0; off < whole; off += 8) {
      std::uint64_t v = 0;
      partial.copy(reinterpret_cast<char*>(&v), 8, off);
      acks.push_back(v);
    }
    partial.erase(0, whole);
  }
}

TEST(StoreCrash, AcknowledgedUnitsSurviveSigkillAtRandomMoments) {
  // Ten restarts per store: each store grows over its rounds (recovery of a store written by
  // earlier processes), while checking every record after every kill stays within seconds.
  std::unique_ptr<temp_dir> store_dir;
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(5, 80);
  std::size_t acknowledged_total = 0;
  for (int round = 0; round < 50; ++round) {
    if (round % 10 == 0) store_dir = std::make_unique<temp_dir>();
    const temp_dir& dir = *store_dir;
    ASSERT_FALSE(dir.path().empty());
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      commit_until_killed(dir, round, fds[1]);
    }
    ::close(fds[1]);
    std::vector<std::uint64_t> acks;
    std::string partial;
    const auto kill_at =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms(rng));
    read_acks(fds[0], acks, partial, kill_at, false);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    read_acks(fds[0], acks, partial, {}, true);
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "round " << round << ": the child stopped by itself, status " << status;

    auto env = environment::open(options_for(dir));
    ASSERT_TRUE(env.has_value()) << "round " << round << ": " << env.error().message();
    const book reopened(**env);
    for (const std::uint64_t i : acks) {
      auto p = reopened.payment(id_of(round, i));
      ASSERT_TRUE(p.has_value()) << "round " << round << " payment " << i << ": "
                                 << p.error().message();
      ASSERT_EQ(*p, payment_of(round, i).payment) << "round " << round << " payment " << i;
    }
    auto report = check(**env);
    ASSERT_TRUE(report.has_value()) << report.error().message();
    ASSERT_TRUE(check_book(**env, *report).has_value());
    ASSERT_TRUE(report->ok()) << to_string(*report);
    acknowledged_total += acks.size();
  }
  // Most rounds live long enough to acknowledge something; otherwise the test proved nothing.
  EXPECT_GT(acknowledged_total, 50u);
}

}  // namespace
}  // namespace sy::clearing::store
