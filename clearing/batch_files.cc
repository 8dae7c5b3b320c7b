// Row formatting and the per-party files of a clearing run. A statement's rows are grouped by
// channel, so each (merchant, channel) segment is held in memory; past
// limits::clearing_segment_memory_max the rows of each statement's first channel go to the
// statement's own file and every other segment's to one temporary spill file (one descriptor
// whatever the number of merchants), and each statement is joined in channel order at finish
// from its spilled pieces and what is still in memory.
#include "clearing/batch_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <optional>
#include <variant>

#include "config/limits.h"
#include "protocol/card_brand.h"
#include "protocol/currency.h"
#include "protocol/merchant_resources.h"

namespace sy::clearing {
namespace {

error_code errno_code(int e) {
  return error_code(e, boost::system::generic_category());
}

std::string compact_date(std::chrono::year_month_day date) {
  std::string text = protocol::format_date(date);
  std::erase(text, '-');
  return text;
}

// Appends go through append(pointer, size): the iterator overload takes std::string's general
// replace path, which dominated the cost of a row.
void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

char* put_digits(char* at, unsigned v, int width) {
  for (int i = width - 1; i >= 0; --i, v /= 10) at[i] = static_cast<char>('0' + v % 10);
  return at + width;
}

void append_event_time(std::string& out, std::chrono::sys_time<std::chrono::milliseconds> t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  char buf[24];  // 2026-11-21T14:03:07.123Z
  char* p = put_digits(buf, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  *p++ = '-';
  p = put_digits(p, static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  p = put_digits(p, static_cast<unsigned>(ymd.day()), 2);
  *p++ = 'T';
  p = put_digits(p, static_cast<unsigned>(hms.hours().count()), 2);
  *p++ = ':';
  p = put_digits(p, static_cast<unsigned>(hms.minutes().count()), 2);
  *p++ = ':';
  p = put_digits(p, static_cast<unsigned>(hms.seconds().count()), 2);
  *p++ = '.';
  p = put_digits(p, static_cast<unsigned>(hms.subseconds().count()), 3);
  *p++ = 'Z';
  out.append(buf, static_cast<std::size_t>(p - buf));
}

// Ids, codes and dates come from the book: validated, never holding a comma or quote, but the
// writer quotes anything that would need it all the same.
void field(std::string& out, std::string_view text) {
  append_csv_field(out, text);
  out.push_back(',');
}

// An integer's decimal text, held while a row is made of views.
class int_text {
 public:
  explicit int_text(std::int64_t v) noexcept
      : size_(static_cast<std::size_t>(std::to_chars(text_, text_ + sizeof text_, v).ptr - text_)) {
  }
  operator std::string_view() const noexcept { return {text_, size_}; }

 private:
  char text_[24];
  std::size_t size_;
};

void int_field(std::string& out, std::int64_t v) {
  append_int(out, v);
  out.push_back(',');
}

layout::currency_total& total_of(std::vector<layout::currency_total>& totals,
                                 std::string_view currency) {
  for (auto& t : totals) {
    if (t.currency == currency) return t;
  }
  // Kept in currency order: the statement's trailers come out in it.
  auto at = totals.begin();
  while (at != totals.end() && at->currency < currency) ++at;
  return *totals.insert(at, layout::currency_total{std::string(currency)});
}

void add_to(layout::currency_total& t, std::int64_t gross, std::int64_t fee) {
  ++t.row_count;
  t.gross += gross;
  t.fee += fee;
  t.net += gross - fee;
}

std::string_view brand_of(const protocol::payment_method_summary& method) {
  if (const auto* card = std::get_if<protocol::card_summary>(&method)) {
    return protocol::to_string(card->brand);
  }
  return {};
}

}  // namespace

std::string clearing_file_name(std::string_view channel, std::chrono::year_month_day date) {
  return "clearing_" + std::string(channel) + "_" + compact_date(date) + ".csv";
}

std::string settlement_file_name(std::string_view merchant, std::chrono::year_month_day date) {
  return "settlement_" + std::string(merchant) + "_" + compact_date(date) + ".csv";
}

std::string format_event_time(std::chrono::sys_time<std::chrono::milliseconds> t) {
  std::string out;
  append_event_time(out, t);
  return out;
}

struct batch_writer::channel_file {
  output_file file;
  layout::batch_file summary;
  std::int64_t amount_total = 0;
};

// A statement's rows of one channel.
struct batch_writer::segment {
  std::string rows;
  std::vector<std::pair<std::uint64_t, std::size_t>> spilled;  // offset, size in the spill file
};

struct batch_writer::statement {
  std::map<std::string, segment, std::less<>> segments;  // by channel: the statement's order
  segment* last = nullptr;
  std::string last_channel;
  layout::batch_file summary;
  // Made at the statement's first spill, with the rows of its first channel then, which go on
  // straight to it: a merchant of one channel (most) never has rows in the spill file, which
  // would write them twice and read them back. Parked between spills. Should a channel ordered
  // before that one come later, finish() copies it into a statement made afresh.
  std::optional<output_file> file;
  std::string file_channel;
};

// The run's spill file: appended to, read back by offset, removed with the writer.
struct batch_writer::spill_file {
  std::string path;
  int fd = -1;
  std::uint64_t size = 0;

  ~spill_file() {
    if (fd >= 0) ::close(fd);
    if (!path.empty()) ::unlink(path.c_str());
  }
};

batch_writer::batch_writer(std::string dir, std::chrono::year_month_day date, std::uint64_t run,
                           std::size_t segment_memory_max)
    : io_(std::make_unique<file_io>(segment_memory_max)),
      dir_(std::move(dir)),
      date_(date),
      date_text_(protocol::format_date(date)),
      tag_(std::to_string(run)),
      segment_memory_max_(segment_memory_max) {}

batch_writer::~batch_writer() = default;

result<std::unique_ptr<batch_writer>> batch_writer::open(std::string dir,
                                                         std::chrono::year_month_day date,
                                                         std::uint64_t run,
                                                         std::span<const std::string> channels,
                                                         std::span<const std::string> merchants,
                                                         std::size_t segment_memory_max) {
  std::unique_ptr<batch_writer> w(new batch_writer(std::move(dir), date, run, segment_memory_max));
  for (const auto& c : channels) {
    if (auto opened = w->channel(c); !opened) return opened.error();
  }
  for (const auto& m : merchants) {
    if (auto opened = w->merchant(m); !opened) return opened.error();
  }
  return w;
}

result<batch_writer::channel_file*> batch_writer::channel(std::string_view id) {
  if (last_channel_ && last_channel_->summary.party == id) return last_channel_;
  auto it = channels_.find(id);
  if (it == channels_.end()) {
    auto file = output_file::create(dir_, clearing_file_name(id, date_), tag_, io_.get());
    if (!file) return file.error();
    auto c = std::make_unique<channel_file>(channel_file{std::move(*file), {}, 0});
    c->summary.kind = layout::file_kind::clearing;
    c->summary.party = std::string(id);
    c->summary.file_name = c->file.name();
    c->file.write(clearing_header);
    c->file.write("\n");
    it = channels_.emplace(std::string(id), std::move(c)).first;
  }
  return last_channel_ = it->second.get();
}

result<batch_writer::statement*> batch_writer::merchant(std::string_view id) {
  if (last_merchant_ && last_merchant_->summary.party == id) return last_merchant_;
  auto it = merchants_.find(id);
  if (it == merchants_.end()) {
    auto s = std::make_unique<statement>();
    s->summary.kind = layout::file_kind::settlement;
    s->summary.party = std::string(id);
    s->summary.file_name = settlement_file_name(id, date_);
    it = merchants_.emplace(std::string(id), std::move(s)).first;
  }
  return last_merchant_ = it->second.get();
}

result<void> batch_writer::add(const presented_event& event) {
  const auto& e = *event.entry;
  const std::string& channel_id = *e.channel;
  const std::string_view currency = e.event.amount.currency.code();
  const auto* card = std::get_if<protocol::card_summary>(&e.payment_method);
  auto c = channel(channel_id);
  if (!c) return c.error();
  auto m = merchant(e.merchant_id);
  if (!m) return m.error();
  statement& s = **m;
  if (!s.last || s.last_channel != channel_id) {
    s.last = &s.segments[channel_id];
    s.last_channel = channel_id;
  }

  // An adjustment shows its own business date; formatted once, like the time, for both rows.
  if (e.event.business_date != date_) other_date_ = protocol::format_date(e.event.business_date);
  const std::string_view date = e.event.business_date == date_ ? date_text_ : other_date_;
  time_.clear();
  append_event_time(time_, e.event.time);
  const std::string_view type = to_string(e.event.type);
  const int_text amount(event.amount);
  const auto text = [](const std::optional<std::string>& t) {
    return t ? std::string_view(*t) : std::string_view();
  };

  row_.clear();
  append_csv_row(
      row_, {"D", date, channel_id, e.merchant_id, e.event.payment_id, e.event.id, type, amount,
             currency, text(e.event.rrn), text(e.event.stan), text(e.event.authorization_code),
             text(e.event.response_code), card ? std::string_view(card->bin) : std::string_view(),
             card ? std::string_view(card->last4) : std::string_view(), time_});
  (*c)->file.write(row_);
  (*c)->amount_total += event.amount;
  ++(*c)->summary.row_count;
  if (event.adjustment) ++(*c)->summary.adjustment_count;
  add_to(total_of((*c)->summary.totals, currency), event.amount, 0);

  std::string& out = s.last->rows;
  // Memory is what the strings hold, their spare capacity included.
  const std::size_t before = out.capacity();
  append_csv_row(out, {"D", date, e.merchant_id, e.event.payment_id, e.event.id, type, channel_id,
                       amount, int_text(event.fee), int_text(event.amount - event.fee), currency,
                       brand_of(e.payment_method), time_});
  segment_bytes_ += out.capacity() - before;
  ++s.summary.row_count;
  if (event.adjustment) ++s.summary.adjustment_count;
  add_to(total_of(s.summary.totals, currency), event.amount, event.fee);
  if (segment_bytes_ > segment_memory_max_) return spill_segments();
  return {};
}

result<void> batch_writer::spill_segments() {
  for (auto& [merchant_id, s] : merchants_) {
    if (s->segments.empty()) continue;
    if (!s->file) {
      auto file = output_file::create(dir_, s->summary.file_name, tag_, io_.get());
      if (!file) return file.error();
      file->park();  // holds no descriptor until its bytes are written
      file->write(settlement_header);
      file->write("\n");
      s->file = std::move(*file);
      s->file_channel = s->segments.begin()->first;
    }
    for (auto& [channel_id, seg] : s->segments) {
      if (seg.rows.empty()) continue;
      if (channel_id == s->file_channel) {
        s->file->write_owned(std::exchange(seg.rows, {}));
        continue;
      }
      if (auto spilled = spill(seg); !spilled) return spilled;
    }
    s->file->park();
  }
  segment_bytes_ = 0;
  return {};
}

result<void> batch_writer::spill(segment& seg) {
  if (!spill_) {
    auto spill = std::make_unique<spill_file>();
    spill->path = dir_ + "/.segments." + tag_ + ".tmp";
    spill->fd = ::open(spill->path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (spill->fd < 0) {
      const int e = errno;
      spill->path.clear();
      return errno_code(e);
    }
    spill_ = std::move(spill);
  }
  std::size_t done = 0;
  while (done < seg.rows.size()) {
    const ssize_t n = ::write(spill_->fd, seg.rows.data() + done, seg.rows.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_code(errno);
    done += static_cast<std::size_t>(n);
  }
  seg.spilled.emplace_back(spill_->size, seg.rows.size());
  spill_->size += seg.rows.size();
  seg.rows.clear();
  seg.rows.shrink_to_fit();
  return {};
}

// Copies `size` bytes at `offset` of the spill file into `out`.
result<void> batch_writer::unspill(std::uint64_t offset, std::size_t size, output_file& out) {
  std::string chunk(std::min(size, limits::clearing_write_buffer_size), '\0');
  while (size > 0) {
    const ssize_t n =
        ::pread(spill_->fd, chunk.data(), std::min(size, chunk.size()), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_code(errno);
    if (n == 0) return errno_code(EIO);  // the file is shorter than what was written to it
    out.write(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
    offset += static_cast<std::uint64_t>(n);
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

result<output_file> batch_writer::statement_rows(statement& s) {
  const bool in_order = s.file && s.segments.begin()->first == s.file_channel;
  std::optional<output_file> made;
  if (!in_order) {
    // A tag of its own beside a file made at a spill, whose temporary name it would take.
    auto file =
        output_file::create(dir_, s.summary.file_name, s.file ? tag_ + "r" : tag_, io_.get());
    if (!file) return file.error();
    file->write(settlement_header);
    file->write("\n");
    made = std::move(*file);
  }
  output_file& out = in_order ? *s.file : *made;
  for (auto& [channel_id, seg] : s.segments) {
    if (!in_order && s.file && channel_id == s.file_channel) {
      if (auto copied = s.file->copy_to(out, settlement_header.size() + 1); !copied) {
        return copied.error();
      }
    }
    for (const auto& [offset, size] : seg.spilled) {
      if (auto copied = unspill(offset, size, out); !copied) return copied.error();
    }
    out.write_owned(std::exchange(seg.rows, {}));
  }
  if (!in_order) {
    s.file.reset();
    return std::move(*made);
  }
  output_file file = std::move(*s.file);
  s.file.reset();
  return file;
}

result<std::vector<layout::batch_file>> batch_writer::finish() {
  std::vector<layout::batch_file> out;
  for (auto& [id, c] : channels_) {
    // The trailer: the detail row count in payment_id, the signed sum in amount.
    row_.assign("T,");
    field(row_, date_text_);
    field(row_, id);
    row_.push_back(',');
    int_field(row_, static_cast<std::int64_t>(c->summary.row_count));
    row_.append(",,");
    int_field(row_, c->amount_total);
    row_.append(",,,,,,,");
    row_.push_back('\n');
    c->file.write(row_);
    if (auto done = c->file.finish(); !done) return done.error();
    c->summary.sha256 = c->file.sha256();
    out.push_back(c->summary);
  }
  // Statements in merchant order, as the spec's row order puts parties.
  std::vector<std::pair<const std::string, std::unique_ptr<statement>>*> by_merchant;
  for (auto& entry : merchants_) by_merchant.push_back(&entry);
  std::sort(by_merchant.begin(), by_merchant.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  for (auto* entry : by_merchant) {
    const std::string& id = entry->first;
    auto& s = entry->second;
    auto file = statement_rows(*s);
    if (!file) return file.error();
    // One trailer per currency in currency order; a statement of a quiet day has one of zeros.
    const std::vector<layout::currency_total> none{layout::currency_total{}};
    for (const auto& t : s->summary.totals.empty() ? none : s->summary.totals) {
      row_.assign("T,");
      field(row_, date_text_);
      field(row_, id);
      int_field(row_, static_cast<std::int64_t>(t.row_count));
      row_.append(",,,");
      int_field(row_, t.gross);
      int_field(row_, t.fee);
      int_field(row_, t.net);
      field(row_, t.currency);
      row_.append(",\n");
      file->write(row_);
    }
    if (auto done = file->finish(); !done) return done.error();
    s->summary.sha256 = file->sha256();
    out.push_back(s->summary);
    finished_.push_back(std::move(*file));
  }
  return out;
}

result<void> batch_writer::publish(const file_signer* sign) {
  for (auto& [id, c] : channels_) {
    if (auto done = c->file.publish(sign); !done) return done;
  }
  for (auto& f : finished_) {
    if (auto done = f.publish(sign); !done) return done;
  }
  return {};
}

}  // namespace sy::clearing
