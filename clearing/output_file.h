// The files clearing hands to the settlement team and the banks (specs/clearing-files.md, common
// rules): written under a temporary name, fsync'd, renamed into place, then NAME.sha256 the same
// way, then the directory fsync'd, so a reader sees a whole file or none. RFC 4180 fields.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/result.h"
#include "hsm/digest.h"

namespace sy::clearing {

// Signs a file: the text of its NAME.sig companion from its name and SHA-256 (hex). Errors: the
// signer's (an HSM failure).
using file_signer =
    std::function<result<std::string>(std::string_view name, std::string_view sha256)>;

class file_io;

// One file being written: bytes go through a buffer to a temporary file and into a running
// SHA-256, a full buffer at a time. Destroying it before publish() removes the temporary file.
// Not thread-safe.
class output_file {
  struct sink;

 public:
  // Creates the temporary file `dir/.NAME.TAG.PID.tmp` (a hidden name no reader of the directory
  // takes for a file; a crashed process leaves its own behind). `tag` tells one process's writers
  // of one name apart. With `io`, full buffers are hashed and written on its thread (which must
  // outlive the file); without, on the caller's. Errors: the errno of open(2).
  static result<output_file> create(std::string dir, std::string name, std::string_view tag,
                                    file_io* io = nullptr);

  output_file(output_file&&) noexcept;
  output_file& operator=(output_file&&) noexcept;
  ~output_file();

  // Buffered; an error is kept and returned by finish(), so a writer of many rows checks once.
  void write(std::string_view bytes);
  // The same for bytes the caller is done with: handed to the file's io thread as they are,
  // without a copy into the buffer (a statement's rows held in memory).
  void write_owned(std::string bytes);

  // Closes the descriptor once what was written so far is on its way (on the io thread, when
  // the file has one); the next write reopens the file to append. For a run that keeps more files
  // open than the process may hold descriptors.
  void park();

  // Appends this file's bytes from offset `from` on to `out`, once they are all written.
  // Errors: the first failing write(2) of this file, open(2) or read(2)'s errno.
  result<void> copy_to(output_file& out, std::uint64_t from);

  // Writes what is buffered and fsyncs; afterwards sha256() holds the file's digest. Errors: the
  // first failing write(2), open(2) or fsync(2)'s errno.
  result<void> finish();

  // After finish(): renames the file into place, writes NAME.sha256 (`<hex>  NAME\n`, as
  // sha256sum -c reads it) atomically, then NAME.sig the same way when `sign` is set, and fsyncs
  // the directory. Errors: errno of the failing call, the signer's; the temporary file is gone
  // either way.
  result<void> publish(const file_signer* sign = nullptr);

  const std::string& name() const noexcept { return name_; }
  const std::string& sha256() const noexcept { return sha256_; }
  std::uint64_t size() const noexcept { return size_; }

 private:
  friend class file_io;

  // What the bytes go to: on the io thread's side while a hand-over is in flight, so it stays
  // in place when the output_file moves.
  struct sink {
    std::string path;  // the temporary file
    int fd = -1;       // -1 while parked
    hsm::sha256_stream digest;
    int error = 0;              // the first errno a write met
    std::uint64_t written = 0;  // bytes handed to write(2)
    std::uint64_t flushed = 0;  // of those, bytes whose writeback has been started
    void consume(std::string_view bytes) noexcept;
    void close() noexcept;
    bool reopen() noexcept;  // a parked file, to append; false (and `error` set) when it fails
  };

  output_file(std::string dir, std::string name, std::string tag, std::string temp_path, int fd,
              file_io* io);
  void hand_over(std::string bytes);
  void flush_buffer();
  result<void> drain();
  void close_and_remove() noexcept;

  std::string dir_;
  std::string name_;
  std::string tag_;
  std::string temp_path_;
  std::unique_ptr<sink> sink_;
  file_io* io_ = nullptr;
  std::uint64_t last_job_ = 0;  // the io thread's number of this file's last hand-over
  std::string buffer_;
  std::string sha256_;
  std::uint64_t size_ = 0;
};

// A thread that hashes and writes the buffers output_files hand it, so the thread that formats a
// clearing run's rows waits for neither SHA-256 nor write(2). One queue, worked in order, so each
// file's bytes reach its digest and its descriptor in the order they were written. At most
// `bytes_in_flight_max` bytes wait at once: a hand-over beyond that blocks until the thread
// catches up (one larger than the cap waits for an empty queue). Destroying it waits for the
// queue, so it must outlive its files.
class file_io {
 public:
  explicit file_io(std::size_t bytes_in_flight_max);
  ~file_io();
  file_io(const file_io&) = delete;
  file_io& operator=(const file_io&) = delete;

 private:
  friend class output_file;
  struct job {
    output_file::sink* to = nullptr;
    std::string bytes;
    bool park = false;  // then close the descriptor
  };

  // Queues `bytes` for `to`; returns the hand-over's number for wait_for().
  std::uint64_t submit(output_file::sink* to, std::string bytes, bool park = false);
  // Returns once hand-over `number` (and every one before it) is written.
  void wait_for(std::uint64_t number);
  bool done(std::uint64_t number);
  // An empty buffer, with the capacity of a used one when there is one to reuse.
  std::string take_buffer();
  void run();

  std::size_t bytes_in_flight_max_;
  std::mutex mutex_;
  std::condition_variable queued_;  // wakes the io thread
  std::condition_variable done_;    // wakes writers waiting for room or for their bytes
  std::deque<job> queue_;
  std::vector<std::string> spare_;  // written buffers, kept for reuse
  std::size_t bytes_in_flight_ = 0;
  std::uint64_t submitted_ = 0;
  std::uint64_t completed_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything it reads is initialised
};

// A small file (a report, a simulator's settlement file) written whole the same way. Returns
// its path. Errors: errno of the failing call.
result<std::string> write_file_atomically(const std::string& dir, const std::string& name,
                                          std::string_view content);

// The digest a NAME.sha256 companion names for NAME, read back; errc-less: empty when the
// companion is missing or not in sha256sum's format.
std::string read_sha256_companion(const std::string& dir, const std::string& name);

// Appends one CSV field per RFC 4180: quoted (quotes doubled) when it holds a comma, quote, CR
// or LF.
void append_csv_field(std::string& out, std::string_view text);
std::string csv_field(std::string_view text);

// Appends one CSV row: each field as append_csv_field() writes it, commas between, then "\n".
void append_csv_row(std::string& out, std::initializer_list<std::string_view> fields);

}  // namespace sy::clearing
