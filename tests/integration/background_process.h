// A child process that keeps running while an integration test talks to it (a simulator, later
// the switch): its first stdout line is read as it arrives, a signal stops it, and its remaining
// output and exit status are collected. Killed with SIGKILL if the test forgets to stop it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/process.h"

namespace sy::testing {

class background_process {
 public:
  // Starts `argv` (argv[0] a path) with stdin from /dev/null, in the directory `cwd` (empty: the
  // test's own). Fails the calling test when the process cannot be started.
  explicit background_process(const std::vector<std::string>& argv, const std::string& cwd = {});
  ~background_process();
  background_process(const background_process&) = delete;
  background_process& operator=(const background_process&) = delete;

  // The next line of the child's stdout (without '\n'); empty when the child closes stdout or
  // says nothing for `timeout`.
  std::string read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Lines of stdout up to and including the first that contains `text`, each ending in '\n';
  // what was read when the child closes stdout or says nothing for `timeout` (without `text`).
  std::string read_until(std::string_view text,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // Sends `signal` and returns at once (SIGHUP, say).
  void send_signal(int signal);

  // Sends `signal` and waits for the child to exit; the rest of stdout (after the lines already
  // read) and all of stderr come back with the exit status.
  process_result stop(int signal);

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;       // read end of the child's stdout pipe
  std::string out_;       // stdout received but not yet returned by read_line
  bool eof_ = false;      // the child closed its stdout
  std::string err_path_;  // stderr goes to this file
};

// Runs `switchyard` with `args` (a `run` command; both listeners on ports the kernel picks) until
// it prints that it is running, then stops it with SIGTERM:
// its whole output and exit status (a switch that exits first comes back as it exited).
process_result run_switch_until_running(const std::vector<std::string>& args,
                                        const std::string& cwd = {});

}  // namespace sy::testing
