// Crash test of the writer: a child process commits units as fast as it can and is killed with
// SIGKILL at a random moment, 50 times; after each restart every acknowledged unit is present and
// intact, and `check` passes.
#include "clearing/store/writer.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "clearing/store/errc.h"
#include "clearing/store/inspection.h"
#include "store_test_support.h"

namespace sy::clearing::store {
namespace {

using test::options_for;
using test::temp_dir;

std::string key_of(int round, std::uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "r%02d/%010llu", round, static_cast<unsigned long long>(i));
  return buf;
}

std::string payload_of(std::uint64_t i) {
  return std::string(600, static_cast<char>('a' + i % 26)) + std::to_string(i);
}

// The child: commits units forever, writing each acknowledged sequence number to `ack_fd`.
[[noreturn]] void commit_until_killed(const temp_dir& dir, int round, int ack_fd) {
  auto env = environment::open(options_for(dir));
  if (!env) ::_exit(3);
  writer w(**env);
  for (std::uint64_t i = 0;;) {
    unit_of_work u;
    u.ops.push_back(
        operation::put(table::payments, key_of(round, i), 1, payload_of(i), require::absent));
    u.ops.push_back(operation::put(table::journal, key_of(round, i), 2, "j"));
    auto ok = w.submit(std::move(u), inline_executor(), [ack_fd, i](const commit_outcome& o) {
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
  temp_dir dir;
  ASSERT_FALSE(dir.path().empty());
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(5, 80);
  std::size_t acknowledged_total = 0;
  for (int round = 0; round < 50; ++round) {
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
    for (const std::uint64_t i : acks) {
      auto rec = (*env)->read(table::payments, key_of(round, i));
      ASSERT_TRUE(rec.has_value())
          << "round " << round << " unit " << i << ": " << rec.error().message();
      ASSERT_EQ(rec->payload, payload_of(i)) << "round " << round << " unit " << i;
    }
    auto report = check(**env);
    ASSERT_TRUE(report.has_value()) << report.error().message();
    ASSERT_TRUE(report->ok()) << to_string(*report);
    acknowledged_total += acks.size();
  }
  // Most rounds live long enough to acknowledge something; otherwise the test proved nothing.
  EXPECT_GT(acknowledged_total, 50u);
}

}  // namespace
}  // namespace sy::clearing::store
