// `switchyard clear`, `switchyard reconcile` and `switchyard discrepancies list|resolve`: the
// settlement team's commands (docs/clearing.md), on a running or stopped switch's data directory.
// Each opens the store for writing beside a running switch (LMDB serializes the two processes'
// write transactions) with a writer of its own.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "clearing/batch_files.h"
#include "clearing/book.h"
#include "clearing/business_date.h"
#include "clearing/cutoff.h"
#include "clearing/reconcile.h"
#include "clearing/store/errc.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/config_context.h"
#include "gateway/cli/hsm_context.h"
#include "protocol/merchant_resources.h"

namespace sy::gateway::cli {
namespace {

namespace store = clearing::store;
namespace layout = clearing::layout;
using std::chrono::year_month_day;

// The configuration, its business calendar, and the store open for writing with a writer.
struct clearing_session {
  config::snapshot cfg;
  std::optional<clearing::business_calendar> calendar;
  std::unique_ptr<store::environment> env;
  std::unique_ptr<store::writer> writer;
  std::unique_ptr<hsm::backend> hsm;  // only when the files are signed

  clearing::clearing_context context() const { return {*env, *writer, *cfg, *calendar, hsm.get()}; }
  ~clearing_session() {
    writer.reset();  // before the environment it writes
  }
};

// Opens everything a command needs; on failure prints why, sets `status` and returns false.
bool open_session(const std::string& file, clearing_session& s, exit_code& status) {
  s.cfg = load_config(file);
  if (!s.cfg) {
    status = exit_code::bad_config;
    return false;
  }
  auto calendar =
      clearing::business_calendar::make(s.cfg->clearing.cutoff, s.cfg->clearing.time_zone);
  if (!calendar) {
    std::fprintf(stderr, "error: clearing.time_zone %s: %s\n", s.cfg->clearing.time_zone.c_str(),
                 std::string(clearing::to_string(calendar.error())).c_str());
    status = exit_code::bad_config;
    return false;
  }
  s.calendar = *calendar;
  if (s.cfg->clearing.signing_key) {
    s.hsm = open_hsm(*s.cfg, status);
    if (!s.hsm) return false;
  }
  // Never a new store: clearing an empty one would seal dates as having had no events.
  if (!std::filesystem::exists(std::filesystem::path(s.cfg->storage.path) / "data.mdb")) {
    std::fprintf(stderr,
                 "error: no store at %s ([storage] path of %s): run the switch first, or name its "
                 "configuration with --config\n",
                 s.cfg->storage.path.c_str(),
                 s.cfg->source_name.empty() ? "the embedded default" : s.cfg->source_name.c_str());
    status = exit_code::store_unavailable;
    return false;
  }
  auto env = store::environment::open(store::environment_options::from(s.cfg->storage));
  if (!env) {
    std::fprintf(stderr, "error: cannot open the store at %s: %s\n", s.cfg->storage.path.c_str(),
                 env.error().message().c_str());
    status =
        store::is_corruption(env.error()) ? exit_code::store_corrupt : exit_code::store_unavailable;
    return false;
  }
  s.env = std::move(*env);
  s.writer = std::make_unique<store::writer>(*s.env);
  return true;
}

std::optional<year_month_day> date_option(const std::string& text, exit_code& status) {
  const auto date = clearing::parse_business_date(text);
  if (!date) {
    std::fprintf(stderr, "error: --date %s: expected YYYY-MM-DD, a calendar date\n", text.c_str());
    status = exit_code::usage;
  }
  return date;
}

std::chrono::sys_seconds now_s() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

exit_code exit_for(const clearing::clearing_error& e) {
  switch (e.code) {
    case clearing::clearing_errc::store_failed:
      return exit_code::store_unavailable;
    case clearing::clearing_errc::book_inconsistent:
      return exit_code::store_corrupt;
    default:
      return exit_code::failure;
  }
}

void print_clearing(const clearing::clearing_report& r, const std::string& dir) {
  const auto& b = r.batch;
  std::printf("%s %s: %llu events, %llu adjustments, %s\n",
              r.sealed_now ? "sealed" : "already sealed, files checked",
              protocol::format_date(b.business_date).c_str(),
              static_cast<unsigned long long>(b.member_count),
              static_cast<unsigned long long>(b.adjustment_count),
              b.final ? "final" : "not final (the next date's clearing takes late events)");
  for (const auto d : r.finalized) {
    std::printf("finalized %s: its late events are this date's adjustments\n",
                protocol::format_date(d).c_str());
  }
  for (const auto& f : r.files) {
    std::printf("%s %s/%s rows %llu sha256 %s\n", std::string(layout::to_string(f.kind)).c_str(),
                dir.c_str(), f.file_name.c_str(), static_cast<unsigned long long>(f.row_count),
                f.sha256.c_str());
  }
}

void run_clear(const std::string& file, const std::string& date_text, exit_code& status) {
  const auto date = date_option(date_text, status);
  if (!date) return;
  clearing_session s;
  if (!open_session(file, s, status)) return;
  const auto report = clearing::clear_date(s.context(), *date, now_s());
  if (!report) {
    std::fprintf(stderr, "error: clearing %s: %s\n", date_text.c_str(),
                 report.error().message.c_str());
    status = exit_for(report.error());
    return;
  }
  print_clearing(*report, s.cfg->clearing.output_dir);
  status = exit_code::ok;
}

void run_reconcile(const std::string& file, const std::string& channel,
                   const std::string& date_text, const std::string& bank_file, exit_code& status) {
  const auto date = date_option(date_text, status);
  if (!date) return;
  clearing_session s;
  if (!open_session(file, s, status)) return;
  const auto summary = clearing::reconcile(s.context(), {channel, *date, bank_file}, now_s());
  if (!summary) {
    std::fprintf(stderr, "error: reconciling %s %s: %s\n", channel.c_str(), date_text.c_str(),
                 summary.error().message.c_str());
    status = exit_for(summary.error());
    return;
  }
  // The spec's summary: one line per class.
  std::printf("matched %llu\n", static_cast<unsigned long long>(summary->matched));
  for (std::size_t i = 0; i < summary->discrepancies.size(); ++i) {
    std::printf("%s %llu\n",
                std::string(layout::to_string(static_cast<layout::discrepancy_class>(i))).c_str(),
                static_cast<unsigned long long>(summary->discrepancies[i]));
  }
  std::printf(
      "report %s (%llu bank rows, %llu switch records; %llu discrepancies stored new, "
      "%llu closed)\n",
      summary->report_path.c_str(), static_cast<unsigned long long>(summary->bank_rows),
      static_cast<unsigned long long>(summary->switch_records),
      static_cast<unsigned long long>(summary->stored_new),
      static_cast<unsigned long long>(summary->closed));
  status = summary->clean() ? exit_code::ok : exit_code::discrepancies;
}

// "bank/2026-11-21/3": how operators name a discrepancy.
std::string discrepancy_id(std::string_view channel, year_month_day date, std::uint32_t number) {
  return std::string(channel) + "/" + protocol::format_date(date) + "/" + std::to_string(number);
}

struct parsed_id {
  std::string channel;
  year_month_day date{};
  std::uint32_t number = 0;
};

std::optional<parsed_id> parse_discrepancy_id(std::string_view id) {
  const auto second = id.rfind('/');
  if (second == std::string_view::npos || second < 12) return std::nullopt;
  const auto first = second - 11;
  if (id[first] != '/') return std::nullopt;
  const auto date = clearing::parse_business_date(id.substr(first + 1, 10));
  const auto digits = id.substr(second + 1);
  if (!date || digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  return parsed_id{std::string(id.substr(0, first)), *date,
                   static_cast<std::uint32_t>(std::stoul(std::string(digits)))};
}

// Who resolves: --by, else the login name, else the user id.
std::string operator_name(const std::string& by) {
  if (!by.empty()) return by;
  for (const char* name : {"SUDO_USER", "USER", "LOGNAME"}) {
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return v;
  }
  return "uid " + std::to_string(::getuid());
}

std::string amount_or_empty(const std::optional<std::int64_t>& v) {
  return v ? std::to_string(*v) : std::string("-");
}

void run_list(const std::string& file, bool open_only, exit_code& status) {
  clearing_session s;
  if (!open_session(file, s, status)) return;
  const auto all = clearing::book(*s.env).all_discrepancies();
  if (!all) {
    std::fprintf(stderr, "error: reading the discrepancies: %s\n", all.error().message().c_str());
    status = exit_code::store_unavailable;
    return;
  }
  for (const auto& d : *all) {
    const auto& r = d.record;
    if (open_only && !r.open()) continue;
    std::printf("%s %s %s rrn %s %s switch %s bank %s %s %s; %s\n",
                discrepancy_id(d.channel, d.business_date, d.number).c_str(),
                r.open() ? "open" : "resolved", std::string(layout::to_string(r.kind)).c_str(),
                r.rrn.c_str(), r.event_type.c_str(), amount_or_empty(r.switch_amount).c_str(),
                amount_or_empty(r.bank_amount).c_str(), r.currency.c_str(),
                r.payment_id.empty() ? "-" : r.payment_id.c_str(), r.detail.c_str());
    if (!r.open()) {
      std::printf("  resolved by %s at %s: %s\n", r.resolved_by.c_str(),
                  clearing::format_event_time(r.resolved_at).c_str(), r.note.c_str());
    }
  }
  status = exit_code::ok;
}

void run_resolve(const std::string& file, const std::string& id, const std::string& note,
                 const std::string& by, exit_code& status) {
  const auto parsed = parse_discrepancy_id(id);
  if (!parsed) {
    std::fprintf(stderr, "error: %s: expected CHANNEL/YYYY-MM-DD/NUMBER, as `list` prints\n",
                 id.c_str());
    status = exit_code::usage;
    return;
  }
  if (note.empty()) {
    std::fprintf(stderr, "error: --note: say what was done, for the audit trail\n");
    status = exit_code::usage;
    return;
  }
  clearing_session s;
  if (!open_session(file, s, status)) return;
  const auto stored = clearing::book(*s.env).discrepancies(parsed->channel, parsed->date);
  if (!stored) {
    std::fprintf(stderr, "error: reading the discrepancies: %s\n",
                 stored.error().message().c_str());
    status = exit_code::store_unavailable;
    return;
  }
  const auto it = std::find_if(stored->begin(), stored->end(),
                               [&](const auto& d) { return d.number == parsed->number; });
  if (it == stored->end()) {
    std::fprintf(stderr, "error: no discrepancy %s\n", id.c_str());
    status = exit_code::failure;
    return;
  }
  if (!it->record.open()) {
    std::fprintf(stderr, "error: %s was resolved by %s: %s\n", id.c_str(),
                 it->record.resolved_by.c_str(), it->record.note.c_str());
    status = exit_code::failure;
    return;
  }
  auto resolved = it->record;
  resolved.resolved_by = operator_name(by);
  resolved.resolved_at = now_s();
  resolved.note = note;
  const auto outcome = store::commit_and_wait(
      *s.writer, clearing::record_discrepancy(parsed->channel, parsed->date, parsed->number,
                                              resolved, it->record));
  if (outcome.error) {
    std::fprintf(stderr, "error: resolving %s: %s\n", id.c_str(),
                 outcome.error == store::errc::record_changed
                     ? "it changed meanwhile (resolved by someone else?): list it again"
                     : outcome.error.message().c_str());
    status = exit_code::failure;
    return;
  }
  std::printf("resolved %s by %s\n", id.c_str(), resolved.resolved_by.c_str());
  status = exit_code::ok;
}

}  // namespace

void add_clearing_commands(CLI::App& app, exit_code& status) {
  auto file = std::make_shared<std::string>();

  auto* clear = app.add_subcommand("clear", "Clear a closed business date into its files");
  auto date = std::make_shared<std::string>();
  clear->add_option("--config", *file, "Configuration file (default: the embedded example)");
  clear->add_option("--date", *date, "Business date YYYY-MM-DD")->required();
  clear->callback([file, date, &status] { run_clear(*file, *date, status); });

  auto* recon = app.add_subcommand("reconcile", "Check a bank's settlement file against clearing");
  auto channel = std::make_shared<std::string>();
  auto bank_file = std::make_shared<std::string>();
  recon->add_option("--config", *file, "Configuration file (default: the embedded example)");
  recon->add_option("--channel", *channel, "Channel id")->required();
  recon->add_option("--date", *date, "Business date YYYY-MM-DD")->required();
  recon->add_option("--file", *bank_file, "The bank's settlement file")->required();
  recon->callback([file, channel, date, bank_file, &status] {
    run_reconcile(*file, *channel, *date, *bank_file, status);
  });

  auto* group = app.add_subcommand("discrepancies", "Work through reconciliation discrepancies");
  group->require_subcommand(1);
  auto open_only = std::make_shared<bool>(false);
  auto* list = group->add_subcommand("list", "Every discrepancy, open and resolved");
  list->add_option("--config", *file, "Configuration file (default: the embedded example)");
  list->add_flag("--open", *open_only, "Only the open ones");
  list->callback([file, open_only, &status] { run_list(*file, *open_only, status); });
  auto id = std::make_shared<std::string>();
  auto note = std::make_shared<std::string>();
  auto by = std::make_shared<std::string>();
  auto* resolve = group->add_subcommand("resolve", "Resolve one, with a note for the audit trail");
  resolve->add_option("id", *id, "CHANNEL/YYYY-MM-DD/NUMBER, as list prints it")->required();
  resolve->add_option("--note", *note, "What was done")->required();
  resolve->add_option("--by", *by, "Who (default: the login name)");
  resolve->add_option("--config", *file, "Configuration file (default: the embedded example)");
  resolve->callback([file, id, note, by, &status] { run_resolve(*file, *id, *note, *by, status); });
}

}  // namespace sy::gateway::cli
