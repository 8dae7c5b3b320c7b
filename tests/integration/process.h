// Runs a child process to completion for integration tests: argv in, standard input from a
// string, exit status and both output streams back. The child never inherits the test's stdio.
#pragma once

#include <string>
#include <vector>

namespace sy::testing {

struct process_result {
  int exit_code = -1;  // the child's exit status, or 128 + signal number when it was killed
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] is a path, not looked up in PATH) with `input` on its standard input, in
// the directory `cwd` (empty: the test's own), and waits for it. Fails the calling test
// (ADD_FAILURE) when the process cannot be started.
process_result run_process(const std::vector<std::string>& argv, const std::string& input = {},
                           const std::string& cwd = {});

// The `switchyard` binary under test.
std::string switchyard_binary();

}  // namespace sy::testing
