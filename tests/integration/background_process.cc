// Long-running child processes for integration tests: stdout through a pipe read with poll(),
// stderr through a file, stopped by a signal.
#include "tests/integration/background_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace sy::testing {

background_process::background_process(const std::vector<std::string>& argv,
                                       const std::string& cwd) {
  char path[] = "/tmp/sy-bg-stderr-XXXXXX";
  const int err_fd = ::mkstemp(path);
  int pipe_fds[2];
  if (argv.empty() || err_fd < 0 || ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "cannot set up the child's output";
    return;
  }
  err_path_ = path;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(127);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  ::close(err_fd);
  out_fd_ = pipe_fds[0];
  if (pid_ < 0) ADD_FAILURE() << "fork failed";
}

background_process::~background_process() {
  if (pid_ > 0) stop(SIGKILL);
  if (out_fd_ >= 0) ::close(out_fd_);
  if (!err_path_.empty()) ::unlink(err_path_.c_str());
}

std::string background_process::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out_.find('\n') == std::string::npos && out_fd_ >= 0 && !eof_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0) {
      eof_ = true;
      break;
    }
    out_.append(buf, static_cast<std::size_t>(n));
  }
  const auto end = out_.find('\n');
  if (end == std::string::npos) return {};
  std::string line = out_.substr(0, end);
  out_.erase(0, end + 1);
  return line;
}

std::string background_process::read_until(std::string_view text,
                                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string lines;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return lines;
    const std::string line = read_line(left);
    if (line.empty() && (eof_ || out_fd_ < 0)) return lines;
    lines += line + "\n";
    if (line.find(text) != std::string::npos) return lines;
  }
}

void background_process::send_signal(int signal) {
  ::kill(pid_, signal);
}

process_result background_process::stop(int signal) {
  process_result result;
  if (pid_ <= 0) return result;
  ::kill(pid_, signal);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  char buf[4096];
  for (ssize_t n; out_fd_ >= 0 && (n = ::read(out_fd_, buf, sizeof buf)) > 0;) {
    out_.append(buf, static_cast<std::size_t>(n));
  }
  result.out = std::move(out_);
  out_.clear();
  std::ifstream err(err_path_);
  std::stringstream text;
  text << err.rdbuf();
  result.err = text.str();
  return result;
}

process_result run_switch_until_running(const std::vector<std::string>& args,
                                        const std::string& cwd) {
  std::vector<std::string> argv{switchyard_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  // Ports the kernel picks, so tests running at once (or a `make run` beside them) never collide.
  argv.insert(argv.end(), {"--merchant-port", "0", "--admin-port", "0"});
  background_process child(argv, cwd);
  std::string before = child.read_until("switchyard: running");
  auto result = child.stop(SIGTERM);
  result.out = before + result.out;
  return result;
}

}  // namespace sy::testing
