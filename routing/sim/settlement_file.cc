// The bank simulator's settlement file: rows from the ledger, injected discrepancies, RFC 4180
// text (written by clearing's atomic output, as the switch's own files are).
#include "routing/sim/settlement_file.h"

#include <algorithm>
#include <random>
#include <vector>

#include "clearing/output_file.h"

namespace sy::routing::sim {
namespace {

struct row {
  std::string rrn;
  std::string stan;
  std::string event_type;
  std::int64_t amount = 0;
  std::string currency;
  std::string authorization_code;
  std::string business_date;
};

// `count` distinct indexes below `size` (fewer when size is smaller), by a partial Fisher-Yates
// shuffle written out so the choice does not depend on the standard library's distributions.
std::vector<std::size_t> pick(std::mt19937_64& random, std::size_t size, std::int64_t count) {
  std::vector<std::size_t> all(size);
  for (std::size_t i = 0; i < size; ++i) all[i] = i;
  const std::size_t n = std::min(size, static_cast<std::size_t>(std::max<std::int64_t>(count, 0)));
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(random() % (size - i));
    std::swap(all[i], all[j]);
  }
  all.resize(n);
  return all;
}

// Applies the discrepancies in a fixed order (missing, wrong amount, duplicate, extra), so each
// kind's choice depends only on the seed and the rows.
void inject(std::vector<row>& rows, const discrepancy_settings& d, std::uint64_t seed,
            std::string_view business_date) {
  std::mt19937_64 random(seed ^ 0x5e771e3e47ULL);
  std::vector<bool> drop(rows.size(), false);
  for (const auto i : pick(random, rows.size(), d.missing)) drop[i] = true;
  std::vector<row> kept;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!drop[i]) kept.push_back(std::move(rows[i]));
  }
  for (const auto i : pick(random, kept.size(), d.wrong_amount)) kept[i].amount += 1;
  std::vector<bool> twice(kept.size(), false);
  for (const auto i : pick(random, kept.size(), d.duplicate)) twice[i] = true;
  rows.clear();
  for (std::size_t i = 0; i < kept.size(); ++i) {
    rows.push_back(kept[i]);
    if (twice[i]) rows.push_back(kept[i]);
  }
  for (std::int64_t i = 0; i < d.extra; ++i) {
    char rrn[16];
    std::snprintf(rrn, sizeof rrn, "X%011llu",
                  static_cast<unsigned long long>(random() % 100'000'000'000ULL));
    char stan[8];
    std::snprintf(stan, sizeof stan, "%06llu", static_cast<unsigned long long>(random() % 1000000));
    rows.push_back({rrn, stan, "sale", 1000 + i, "EUR", "EXTRA0", std::string(business_date)});
  }
}

}  // namespace

std::string settlement_file_name(std::string_view channel, std::string_view business_date) {
  std::string date;
  for (const char c : business_date) {
    if (c != '-') date += c;
  }
  return "bank_" + std::string(channel) + "_" + date + ".csv";
}

std::string settlement_csv(const bank_ledger& ledger, std::string_view business_date,
                           const discrepancy_settings& discrepancies, std::uint64_t seed) {
  std::vector<row> rows;
  for (const ledger_record* r : ledger.settled(business_date)) {
    rows.push_back({r->rrn, r->stan, std::string(to_string(r->kind)), r->amount, r->currency,
                    r->authorization_code, r->business_date});
  }
  inject(rows, discrepancies, seed, business_date);
  std::string out(settlement_header);
  out += '\n';
  for (const auto& r : rows) {
    out += clearing::csv_field(r.rrn) + ',' + clearing::csv_field(r.stan) + ',' + r.event_type +
           ',' + std::to_string(r.amount) + ',' + clearing::csv_field(r.currency) + ',' +
           clearing::csv_field(r.authorization_code) + ',' + clearing::csv_field(r.business_date) +
           '\n';
  }
  return out;
}

}  // namespace sy::routing::sim
