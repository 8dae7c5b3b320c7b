// Atomic, digested file output for clearing, settlement and reconciliation files.
#include "clearing/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <fstream>
#include <utility>

#include "config/limits.h"

namespace sy::clearing {
namespace {

error_code errno_code(int e) {
  return error_code(e, boost::system::generic_category());
}

// Writes all of `bytes` to `fd`; 0 or the errno.
int write_all(int fd, std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

// A rename is durable only once the directory entry is on disk.
int fsync_directory(const std::string& dir) {
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return errno;
  const int rc = ::fsync(dfd) == 0 ? 0 : errno;
  ::close(dfd);
  return rc;
}

}  // namespace

result<output_file> output_file::create(std::string dir, std::string name, std::string_view tag) {
  // The process id keeps two processes (the daemon and `switchyard clear`) apart; the tag, two
  // writers of one process.
  std::string temp =
      dir + "/." + name + "." + std::string(tag) + "." + std::to_string(::getpid()) + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_code(errno);
  return output_file(std::move(dir), std::move(name), std::string(tag), std::move(temp), fd);
}

output_file::output_file(std::string dir, std::string name, std::string tag, std::string temp_path,
                         int fd)
    : dir_(std::move(dir)),
      name_(std::move(name)),
      tag_(std::move(tag)),
      temp_path_(std::move(temp_path)),
      fd_(fd) {
  buffer_.reserve(limits::clearing_write_buffer_size);
}

output_file::output_file(output_file&& other) noexcept
    : dir_(std::move(other.dir_)),
      name_(std::move(other.name_)),
      tag_(std::move(other.tag_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)),
      digest_(std::move(other.digest_)),
      sha256_(std::move(other.sha256_)),
      size_(other.size_),
      error_(other.error_) {
  other.temp_path_.clear();
}

output_file& output_file::operator=(output_file&& other) noexcept {
  if (this != &other) {
    close_and_remove();
    dir_ = std::move(other.dir_);
    name_ = std::move(other.name_);
    tag_ = std::move(other.tag_);
    temp_path_ = std::exchange(other.temp_path_, {});
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
    digest_ = std::move(other.digest_);
    sha256_ = std::move(other.sha256_);
    size_ = other.size_;
    error_ = other.error_;
  }
  return *this;
}

output_file::~output_file() {
  close_and_remove();
}

void output_file::close_and_remove() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

void output_file::write(std::string_view bytes) {
  digest_.update(bytes);
  size_ += bytes.size();
  buffer_.append(bytes);
  if (buffer_.size() >= limits::clearing_write_buffer_size) (void)flush();
}

result<void> output_file::flush() {
  if (error_ == 0 && fd_ >= 0) error_ = write_all(fd_, buffer_);
  buffer_.clear();
  if (error_ != 0) return errno_code(error_);
  return {};
}

result<void> output_file::finish() {
  if (auto flushed = flush(); !flushed) return flushed;
  if (::fsync(fd_) != 0) return errno_code(errno);
  ::close(fd_);
  fd_ = -1;
  // A run keeps many finished files until it publishes them: give the buffer back.
  buffer_.clear();
  buffer_.shrink_to_fit();
  sha256_ = hsm::to_lower_hex(digest_.finish());
  return {};
}

result<void> output_file::publish(const file_signer* sign) {
  const std::string path = dir_ + "/" + name_;
  if (::rename(temp_path_.c_str(), path.c_str()) != 0) {
    const int e = errno;
    close_and_remove();
    return errno_code(e);
  }
  temp_path_.clear();
  // sha256sum's format: the digest, two spaces, the file name.
  auto companion = output_file::create(dir_, name_ + ".sha256", tag_);
  if (!companion) return companion.error();
  companion->write(sha256_ + "  " + name_ + "\n");
  if (auto done = companion->finish(); !done) return done;
  const std::string companion_path = path + ".sha256";
  if (::rename(companion->temp_path_.c_str(), companion_path.c_str()) != 0) {
    return errno_code(errno);
  }
  companion->temp_path_.clear();
  if (sign != nullptr) {
    auto signature = (*sign)(name_, sha256_);
    if (!signature) return signature.error();
    if (auto written = write_file_atomically(dir_, name_ + ".sig", *signature); !written) {
      return written.error();
    }
  }
  if (const int e = fsync_directory(dir_); e != 0) return errno_code(e);
  return {};
}

result<std::string> write_file_atomically(const std::string& dir, const std::string& name,
                                          std::string_view content) {
  auto file = output_file::create(dir, name, "tmp");
  if (!file) return file.error();
  file->write(content);
  if (auto done = file->finish(); !done) return done.error();
  if (auto published = file->publish(); !published) return published.error();
  return dir + "/" + name;
}

std::string read_sha256_companion(const std::string& dir, const std::string& name) {
  std::ifstream in(dir + "/" + name + ".sha256");
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  if (line.size() != 64 + 2 + name.size() || line.compare(64, 2, "  ") != 0 ||
      line.compare(66, std::string::npos, name) != 0) {
    return {};
  }
  return line.substr(0, 64);
}

void append_csv_field(std::string& out, std::string_view text) {
  // One table lookup per character: find_first_of with a set of four calls memchr for each
  // character, once the costliest part of writing a row.
  static constexpr auto special = [] {
    std::array<bool, 256> t{};
    for (const unsigned char c : {',', '"', '\r', '\n'}) t[c] = true;
    return t;
  }();
  const bool plain = std::none_of(text.begin(), text.end(),
                                  [](char c) { return special[static_cast<unsigned char>(c)]; });
  if (plain) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (const char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string csv_field(std::string_view text) {
  std::string out;
  append_csv_field(out, text);
  return out;
}

}  // namespace sy::clearing
