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

// The characters that make a CSV field need quotes (RFC 4180).
constexpr auto csv_special = [] {
  std::array<bool, 256> t{};
  for (const unsigned char c : {',', '"', '\r', '\n'}) t[c] = true;
  return t;
}();

// How far a file may run ahead of its started writeback (sink::consume).
constexpr std::uint64_t writeback_step = 8 * limits::clearing_write_buffer_size;

// A rename is durable only once the directory entry is on disk.
int fsync_directory(const std::string& dir) {
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return errno;
  const int rc = ::fsync(dfd) == 0 ? 0 : errno;
  ::close(dfd);
  return rc;
}

}  // namespace

result<output_file> output_file::create(std::string dir, std::string name, std::string_view tag,
                                        file_io* io) {
  // The process id keeps two processes (the daemon and `switchyard clear`) apart; the tag, two
  // writers of one process.
  std::string temp =
      dir + "/." + name + "." + std::string(tag) + "." + std::to_string(::getpid()) + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_code(errno);
  return output_file(std::move(dir), std::move(name), std::string(tag), std::move(temp), fd, io);
}

output_file::output_file(std::string dir, std::string name, std::string tag, std::string temp_path,
                         int fd, file_io* io)
    : dir_(std::move(dir)),
      name_(std::move(name)),
      tag_(std::move(tag)),
      temp_path_(std::move(temp_path)),
      sink_(std::make_unique<sink>()),
      io_(io) {
  sink_->path = temp_path_;
  sink_->fd = fd;
}

output_file::output_file(output_file&& other) noexcept
    : dir_(std::move(other.dir_)),
      name_(std::move(other.name_)),
      tag_(std::move(other.tag_)),
      temp_path_(std::exchange(other.temp_path_, {})),
      sink_(std::move(other.sink_)),
      io_(other.io_),
      last_job_(other.last_job_),
      buffer_(std::move(other.buffer_)),
      sha256_(std::move(other.sha256_)),
      size_(other.size_) {}

output_file& output_file::operator=(output_file&& other) noexcept {
  if (this != &other) {
    close_and_remove();
    dir_ = std::move(other.dir_);
    name_ = std::move(other.name_);
    tag_ = std::move(other.tag_);
    temp_path_ = std::exchange(other.temp_path_, {});
    sink_ = std::move(other.sink_);
    io_ = other.io_;
    last_job_ = other.last_job_;
    buffer_ = std::move(other.buffer_);
    sha256_ = std::move(other.sha256_);
    size_ = other.size_;
  }
  return *this;
}

output_file::~output_file() {
  close_and_remove();
}

void output_file::close_and_remove() noexcept {
  if (sink_) {
    // The io thread may still be writing to the descriptor.
    if (io_ != nullptr) io_->wait_for(last_job_);
    sink_->close();
  }
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

void output_file::sink::close() noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool output_file::sink::reopen() noexcept {
  if (fd >= 0) return true;
  fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0 && error == 0) error = errno;
  return fd >= 0;
}

void output_file::sink::consume(std::string_view bytes) noexcept {
  digest.update(bytes);
  if (error == 0 && reopen()) error = write_all(fd, bytes);
  written += bytes.size();
  // The page cache would hold a run's gigabytes dirty until the fsync at its end, which then
  // waits for all of them: starting the writeback as the file grows lets the disk work while
  // rows are still being made. Advice only; the fsync is what makes the file durable.
  if (error == 0 && written - flushed >= writeback_step) {
    (void)::sync_file_range(fd, static_cast<off_t>(flushed), static_cast<off_t>(written - flushed),
                            SYNC_FILE_RANGE_WRITE);
    flushed = written;
  }
}

void output_file::hand_over(std::string bytes) {
  if (io_ == nullptr) {
    sink_->consume(bytes);
    return;
  }
  last_job_ = io_->submit(sink_.get(), std::move(bytes));
}

void output_file::flush_buffer() {
  if (io_ == nullptr) {
    sink_->consume(buffer_);
    buffer_.clear();
    return;
  }
  hand_over(std::exchange(buffer_, io_->take_buffer()));
}

void output_file::write(std::string_view bytes) {
  size_ += bytes.size();
  // Flushed before it would overflow, so the buffer never reallocates.
  if (!buffer_.empty() && buffer_.size() + bytes.size() > limits::clearing_write_buffer_size) {
    flush_buffer();
  }
  if (buffer_.capacity() < limits::clearing_write_buffer_size) {
    if (io_ != nullptr) buffer_ = io_->take_buffer();
    buffer_.reserve(limits::clearing_write_buffer_size);
  }
  buffer_.append(bytes);
  if (buffer_.size() >= limits::clearing_write_buffer_size) flush_buffer();
}

void output_file::write_owned(std::string bytes) {
  if (io_ == nullptr) return write(std::string_view(bytes));
  size_ += bytes.size();
  if (!buffer_.empty()) flush_buffer();
  hand_over(std::move(bytes));
}

void output_file::park() {
  if (!buffer_.empty()) flush_buffer();
  // Closed here when nothing of the file is in flight: a file parked as soon as it is made
  // holds no descriptor while its hand-overs wait in the queue.
  if (io_ != nullptr && !io_->done(last_job_)) {
    last_job_ = io_->submit(sink_.get(), {}, true);
    return;
  }
  sink_->close();
}

result<void> output_file::copy_to(output_file& out, std::uint64_t from) {
  if (auto drained = drain(); !drained) return drained;
  const int fd = ::open(sink_->path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_code(errno);
  int e = 0;
  for (auto at = static_cast<off_t>(from);;) {
    std::string chunk(limits::clearing_write_buffer_size, '\0');
    const ssize_t n = ::pread(fd, chunk.data(), chunk.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) e = errno;
    if (n <= 0) break;
    chunk.resize(static_cast<std::size_t>(n));
    out.write_owned(std::move(chunk));
    at += n;
  }
  ::close(fd);
  if (e != 0) return errno_code(e);
  return {};
}

result<void> output_file::drain() {
  if (!buffer_.empty()) hand_over(std::move(buffer_));
  // A run keeps many finished files until it publishes them: give the buffer back.
  buffer_ = std::string();
  if (io_ != nullptr) io_->wait_for(last_job_);
  if (sink_->error != 0) return errno_code(sink_->error);
  return {};
}

result<void> output_file::finish() {
  if (auto drained = drain(); !drained) return drained;
  if (!sink_->reopen()) return errno_code(sink_->error);
  if (::fsync(sink_->fd) != 0) return errno_code(errno);
  sink_->close();
  sha256_ = hsm::to_lower_hex(sink_->digest.finish());
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
  const bool plain = std::none_of(
      text.begin(), text.end(), [](char c) { return csv_special[static_cast<unsigned char>(c)]; });
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

void append_csv_row(std::string& out, std::initializer_list<std::string_view> fields) {
  // Measured first, so the row grows the string once, then copied a byte at a time while each
  // byte is checked: the fields are short, and a call to append (and memcpy) per field cost
  // more than the bytes.
  std::size_t size = fields.size();  // a comma after each field but the last, then the line end
  for (const auto f : fields) size += f.size();
  const std::size_t at = out.size();
  out.resize(at + size);
  char* p = out.data() + at;
  bool special = false;
  for (const auto f : fields) {
    for (const char c : f) {
      special |= csv_special[static_cast<unsigned char>(c)];
      *p++ = c;
    }
    *p++ = ',';
  }
  p[-1] = '\n';
  if (!special) return;
  out.resize(at);
  for (const auto f : fields) {
    append_csv_field(out, f);
    out.push_back(',');
  }
  out.back() = '\n';
}

std::string csv_field(std::string_view text) {
  std::string out;
  append_csv_field(out, text);
  return out;
}

file_io::file_io(std::size_t bytes_in_flight_max)
    : bytes_in_flight_max_(bytes_in_flight_max), thread_([this] { run(); }) {}

file_io::~file_io() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_one();
  thread_.join();
}

std::uint64_t file_io::submit(output_file::sink* to, std::string bytes, bool park) {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] {
    return bytes_in_flight_ == 0 || bytes_in_flight_ + bytes.size() <= bytes_in_flight_max_;
  });
  bytes_in_flight_ += bytes.size();
  queue_.push_back({to, std::move(bytes), park});
  const std::uint64_t number = ++submitted_;
  lock.unlock();
  queued_.notify_one();
  return number;
}

void file_io::wait_for(std::uint64_t number) {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return completed_ >= number; });
}

bool file_io::done(std::uint64_t number) {
  const std::lock_guard lock(mutex_);
  return completed_ >= number;
}

std::string file_io::take_buffer() {
  const std::lock_guard lock(mutex_);
  if (spare_.empty()) return {};
  std::string buffer = std::move(spare_.back());
  spare_.pop_back();
  return buffer;
}

void file_io::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued is written
    job j = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    if (!j.bytes.empty()) j.to->consume(j.bytes);
    if (j.park) j.to->close();
    lock.lock();
    bytes_in_flight_ -= j.bytes.size();
    ++completed_;
    // Only the files' own buffers are kept, as many as could be in flight at once.
    if (j.bytes.capacity() == limits::clearing_write_buffer_size &&
        spare_.size() < bytes_in_flight_max_ / limits::clearing_write_buffer_size) {
      j.bytes.clear();
      spare_.push_back(std::move(j.bytes));
    }
    done_.notify_all();
  }
}

}  // namespace sy::clearing
