// Child processes for integration tests, through temporary files rather than pipes so that a
// child writing a lot to both streams can never deadlock against the parent.
#include "tests/integration/process.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace sy::testing {
namespace {

// An unlinked temporary file, open for reading and writing; closed on destruction.
class temp_file {
 public:
  temp_file() : file_(std::tmpfile()) {}
  ~temp_file() {
    if (file_) std::fclose(file_);
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  bool ok() const { return file_ != nullptr; }
  int fd() const { return fileno(file_); }

  std::string read_all() {
    std::string text;
    std::rewind(file_);
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, file_)) > 0;) text.append(buf, n);
    return text;
  }

  void write_all(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), file_);
    std::fflush(file_);
    std::rewind(file_);
  }

 private:
  std::FILE* file_;
};

}  // namespace

process_result run_process(const std::vector<std::string>& argv, const std::string& input,
                           const std::string& cwd) {
  process_result result;
  temp_file in, out, err;
  if (!in.ok() || !out.ok() || !err.ok() || argv.empty()) {
    ADD_FAILURE() << "cannot set up the child's standard streams";
    return result;
  }
  in.write_all(input);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return result;
  }
  if (pid == 0) {
    dup2(in.fd(), STDIN_FILENO);
    dup2(out.fd(), STDOUT_FILENO);
    dup2(err.fd(), STDERR_FILENO);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      ADD_FAILURE() << "waitpid failed";
      return result;
    }
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = out.read_all();
  result.err = err.read_all();
  return result;
}

std::string switchyard_binary() {
  return SY_SWITCHYARD_BINARY;
}

}  // namespace sy::testing
