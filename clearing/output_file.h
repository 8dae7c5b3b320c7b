// The files clearing hands to the settlement team and the banks (specs/clearing-files.md, common
// rules): written under a temporary name, fsync'd, renamed into place, then NAME.sha256 the same
// way, then the directory fsync'd, so a reader sees a whole file or none. RFC 4180 fields.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "config/result.h"
#include "hsm/digest.h"

namespace sy::clearing {

// Signs a file: the text of its NAME.sig companion from its name and SHA-256 (hex). Errors: the
// signer's (an HSM failure).
using file_signer =
    std::function<result<std::string>(std::string_view name, std::string_view sha256)>;

// One file being written: bytes go through a buffer to a temporary file and into a running
// SHA-256. Destroying it before publish() removes the temporary file. Not thread-safe.
class output_file {
 public:
  // Creates the temporary file `dir/.NAME.TAG.PID.tmp` (a hidden name no reader of the directory
  // takes for a file; a crashed process leaves its own behind). `tag` tells one process's writers
  // of one name apart. Errors: the errno of open(2).
  static result<output_file> create(std::string dir, std::string name, std::string_view tag);

  output_file(output_file&&) noexcept;
  output_file& operator=(output_file&&) noexcept;
  ~output_file();

  // Buffered; an error is kept and returned by finish(), so a writer of many rows checks once.
  void write(std::string_view bytes);

  // Writes what is buffered and fsyncs; afterwards sha256() holds the file's digest. Errors: the
  // first failing write(2) or fsync(2)'s errno.
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
  output_file(std::string dir, std::string name, std::string tag, std::string temp_path, int fd);
  result<void> flush();
  void close_and_remove() noexcept;

  std::string dir_;
  std::string name_;
  std::string tag_;
  std::string temp_path_;
  int fd_ = -1;
  std::string buffer_;
  hsm::sha256_stream digest_;
  std::string sha256_;
  std::uint64_t size_ = 0;
  int error_ = 0;  // the first errno a buffered write met
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

}  // namespace sy::clearing
