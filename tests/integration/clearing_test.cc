// Clearing, settlement and reconciliation end to end: payments of every kind through the real
// switch and the simulated bank, the daemon clearing the date at its cutoff, `switchyard clear`
// reproducing the files, the bank's file with one injected discrepancy of each class reconciled,
// and the discrepancies worked through. The files are checked by a CSV reader of the test's own
// that recomputes counts, sums, fees and digests from the spec and the configuration alone.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "tests/integration/process.h"
#include "tests/integration/switch_fixture.h"

namespace sy::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

const merchant_key m1{"key_m1", std::string(40, 'a')};
const merchant_key m2{"key_m2", std::string(40, 'c')};

// ---- an independent reader of the spec's files -------------------------------------------

// RFC 4180 rows of `text`: quoted fields with doubled quotes, `\n` line ends. Fails the test on
// anything else.
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      EXPECT_NE(c, '\r') << "CR in a file with \\n line ends";
      field += c;
    }
  }
  EXPECT_TRUE(field.empty() && row.empty() && !quoted) << "the last line has no line end";
  return rows;
}

std::string sha256_hex_of(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream body;
  body << in.rdbuf();
  return body.str();
}

// round_half_even(amount * bp / 10000) for amount >= 0, the spec's rounding.
std::int64_t half_even(std::int64_t amount, std::int64_t bp) {
  const std::int64_t n = amount * bp;  // the test's amounts are small
  std::int64_t q = n / 10000;
  const std::int64_t r = n % 10000;
  if (2 * r > 10000 || (2 * r == 10000 && q % 2 == 1)) ++q;
  return q;
}

class ClearingEndToEnd : public SwitchWithBank {
 protected:
  void SetUp() override {
    SwitchWithBank::SetUp();
    // The cutoff: the first whole UTC minute at least 15 s away (never 00:00, which would mean
    // the midnight ending the day). The payments happen before it; the date it closes is the day
    // it falls on.
    auto cutoff = std::chrono::ceil<std::chrono::minutes>(std::chrono::system_clock::now() + 15s);
    if (cutoff == std::chrono::floor<std::chrono::days>(cutoff)) cutoff += 1min;
    cutoff_ = cutoff;
    const auto day = std::chrono::floor<std::chrono::days>(cutoff);
    const std::chrono::hh_mm_ss hms{cutoff - day};
    char hhmm[16];
    std::snprintf(hhmm, sizeof hhmm, "%02d:%02d", static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()));
    const std::chrono::year_month_day ymd{day};
    char date[16];
    std::snprintf(date, sizeof date, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    date_ = date;
    compact_date_ = date_.substr(0, 4) + date_.substr(5, 2) + date_.substr(8, 2);

    const std::string bank_config = "[settlement]\ndir = \"" + (dir_ / "bank").string() +
                                    "\"\nchannel = \"bank\"\nbusiness_date = \"" + date_ +
                                    "\"\n[settlement.discrepancies]\n"
                                    "missing = 1\nextra = 1\nwrong_amount = 1\nduplicate = 1\n";
    bank_ = start_bank("127.0.0.1:0", &bank_config);
    write_config("");
    std::ofstream(config_path(), std::ios::app)
        << "[clearing]\ncutoff = \"" << hhmm << "\"\ntime_zone = \"UTC\"\ngrace_s = 0\n"
        << "output_dir = \"" << clearing_dir().string() << "\"\n"
        << merchant_toml("m1", {m1},
                         "[merchants.rate_limit]\nrequests_per_s = 1000\nburst = 1000\n"
                         "[merchants.fees]\nbasis_points = 150\nfixed_minor = 10\n"
                         "refund_policy = \"keep\"\n"
                         "[[merchants.fees.overrides]]\nbrand = \"visa\"\nbasis_points = 120\n"
                         "fixed_minor = 5\n")
        << merchant_toml("m2", {m2},
                         "[merchants.fees]\nbasis_points = 200\nfixed_minor = 0\n"
                         "refund_policy = \"refund\"\n")
        << "[[routes]]\nid = \"cards\"\nmethods = [\"card\"]\nchannels = [\"bank\"]\n";
    make_keys();
    switch_ = start_switch();
    ASSERT_NE(merchant_port_, 0);
    // Paying before the link signs on would fail the payment (no channel up).
    const auto said = switch_->read_until("switchyard: channel bank signed on");
    ASSERT_NE(said.find("signed on"), std::string::npos) << said;
  }

  fs::path clearing_dir() const { return dir_ / "clearing"; }

  static std::string card_payment(std::int64_t amount, bool capture) {
    return R"({"amount":)" + std::to_string(amount) +
           R"(,"currency":"CNY","merchant_reference":"e2e","payment_method":{"type":"card",)"
           R"("card":{"number":")" +
           std::string(test_pan) + R"(","exp_month":12,"exp_year":2030,"cvc":"123"}},"capture":)" +
           (capture ? "true" : "false") + "}";
  }

  // A created payment's JSON; fails the test unless the status is `expected`.
  json::object pay(const merchant_key& key, std::int64_t amount, bool capture,
                   std::string_view expected) {
    const auto r = post(key, "/v1/payments", card_payment(amount, capture), next_key());
    EXPECT_EQ(r.status, 201) << r.body;
    auto o = json::parse(r.body).as_object();
    EXPECT_EQ(o.at("status").as_string(), expected) << r.body;
    return o;
  }

  json::object then(const merchant_key& key, const json::object& payment, const std::string& what,
                    const std::string& body, int status) {
    const auto r = post(key, "/v1/payments/" + std::string(payment.at("id").as_string()) + what,
                        body, next_key());
    EXPECT_EQ(r.status, status) << r.body;
    return json::parse(r.body).as_object();
  }

  std::string next_key() { return "e2e-" + std::to_string(++key_count_); }

  process_result cli(std::vector<std::string> args) {
    std::vector<std::string> argv{switchyard_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--config", config_path().string()});
    return run_process(argv);
  }

  std::chrono::sys_seconds cutoff_{};
  std::string date_;          // YYYY-MM-DD
  std::string compact_date_;  // YYYYMMDD
  int key_count_ = 0;
};

TEST_F(ClearingEndToEnd, DaemonClearsAtCutoffAndReconciliationFindsEveryClass) {
  // ---- payments of every kind ----
  std::map<std::string, std::int64_t> captured;  // payment id -> amount captured
  const auto sale = pay(m1, 1099, true, "captured");
  const auto refunded = pay(m1, 2500, true, "captured");
  then(m1, refunded, "/refunds", R"({"amount":700})", 201);
  then(m1, refunded, "/refunds", R"({"amount":300})", 201);
  const auto authorized = pay(m1, 5000, false, "authorized");
  then(m1, authorized, "/capture", R"({"amount":3000})", 200);
  const auto voided = pay(m1, 800, false, "authorized");
  then(m1, voided, "/void", "", 200);
  pay(m1, 1051, true, "declined");  // the simulator declines amounts ending in 51
  const auto m2_sale = pay(m2, 4200, true, "captured");
  then(m2, m2_sale, "/refunds", R"({"amount":1000})", 201);
  captured[std::string(sale.at("id").as_string())] = 1099;
  captured[std::string(refunded.at("id").as_string())] = 2500;
  captured[std::string(authorized.at("id").as_string())] = 3000;
  captured[std::string(m2_sale.at("id").as_string())] = 4200;
  ASSERT_LT(std::chrono::system_clock::now(), cutoff_) << "the payments ran past the cutoff";

  // ---- the daemon clears the date once its cutoff (grace 0) has passed ----
  const fs::path clearing_file = clearing_dir() / ("clearing_bank_" + compact_date_ + ".csv");
  const fs::path m1_statement = clearing_dir() / ("settlement_m1_" + compact_date_ + ".csv");
  const fs::path m2_statement = clearing_dir() / ("settlement_m2_" + compact_date_ + ".csv");
  for (auto deadline = cutoff_ + 60s;
       !fs::exists(m2_statement) && std::chrono::system_clock::now() < deadline;) {
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(fs::exists(m2_statement)) << "the daemon did not clear " << date_;

  // ---- the clearing file, read independently ----
  const std::string clearing_text = slurp(clearing_file);
  const auto rows = csv_rows(clearing_text);
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows.front(),
            (std::vector<std::string>{"record_type", "business_date", "channel", "merchant_id",
                                      "payment_id", "event_id", "event_type", "amount", "currency",
                                      "rrn", "stan", "authorization_code", "response_code",
                                      "card_bin", "card_last4", "event_time"}));
  std::int64_t sum = 0;
  std::map<std::string, int> types;
  std::string last_time;
  for (std::size_t i = 1; i + 1 < rows.size(); ++i) {
    const auto& r = rows[i];
    ASSERT_EQ(r.size(), 16u);
    EXPECT_EQ(r[0], "D");
    EXPECT_EQ(r[1], date_);
    EXPECT_EQ(r[2], "bank");
    EXPECT_EQ(r[8], "CNY");
    EXPECT_EQ(r[13], "411111");
    EXPECT_EQ(r[14], "1111");
    EXPECT_GE(r[15], last_time) << "rows out of time order";
    last_time = r[15];
    const std::int64_t amount = std::stoll(r[7]);
    EXPECT_EQ(amount < 0, r[6] == "refund");
    sum += amount;
    ++types[r[6]];
    if (r[6] == "sale") {
      EXPECT_EQ(captured.at(r[4]), amount);
    }
  }
  EXPECT_EQ(types, (std::map<std::string, int>{{"capture", 1}, {"refund", 3}, {"sale", 3}}));
  EXPECT_EQ(sum, 1099 + 2500 - 700 - 300 + 3000 + 4200 - 1000);
  EXPECT_EQ(rows.back(),
            (std::vector<std::string>{"T", date_, "bank", "", "7", "", "", std::to_string(sum), "",
                                      "", "", "", "", "", "", ""}));
  EXPECT_EQ(clearing_text.find(test_pan), std::string::npos);

  // ---- the statements: fees recomputed from the configuration ----
  const auto check_statement = [&](const fs::path& path, std::int64_t bp, std::int64_t fixed,
                                   bool refund_returns_fee, std::size_t detail_rows) {
    SCOPED_TRACE(path.string());
    const auto s = csv_rows(slurp(path));
    ASSERT_EQ(s.size(), detail_rows + 2);
    std::int64_t gross = 0, fees = 0;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
      const auto& r = s[i];
      ASSERT_EQ(r.size(), 13u);
      const std::int64_t amount = std::stoll(r[7]);
      std::int64_t fee = 0;
      if (r[5] != "refund") {
        fee = half_even(amount, bp) + fixed;
      } else if (refund_returns_fee) {
        const std::int64_t settled = captured.at(r[3]);
        const std::int64_t payment_fee = half_even(settled, bp) + fixed;
        // The fee comes back in proportion: round_half_even(payment_fee * refunded / settled).
        const std::int64_t n = payment_fee * -amount;
        std::int64_t q = n / settled;
        if (2 * (n % settled) > settled || (2 * (n % settled) == settled && q % 2 == 1)) ++q;
        fee = -q;
      }
      EXPECT_EQ(std::stoll(r[8]), fee) << r[5] << " " << amount;
      EXPECT_EQ(std::stoll(r[9]), amount - fee);
      EXPECT_EQ(r[11], "visa");
      gross += amount;
      fees += fee;
    }
    EXPECT_EQ(s.back(),
              (std::vector<std::string>{"T", date_, s[1][2], std::to_string(detail_rows), "", "",
                                        "", std::to_string(gross), std::to_string(fees),
                                        std::to_string(gross - fees), "CNY", "", ""}));
  };
  check_statement(m1_statement, 120, 5, false, 5);  // m1's Visa override, refunds keep the fee
  check_statement(m2_statement, 200, 0, true, 2);

  // ---- every file's digest, as sha256sum would check it ----
  for (const auto& entry : fs::directory_iterator(clearing_dir())) {
    const auto name = entry.path().filename().string();
    if (name.ends_with(".csv")) {
      EXPECT_EQ(slurp(entry.path().string() + ".sha256"),
                sha256_hex_of(slurp(entry.path())) + "  " + name + "\n");
    }
  }

  // ---- clearing again reproduces the same bytes ----
  fs::remove(m1_statement);
  const auto again = cli({"clear", "--date", date_});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("already sealed, files checked " + date_), std::string::npos)
      << again.out;
  EXPECT_EQ(slurp(clearing_file), clearing_text);
  ASSERT_TRUE(fs::exists(m1_statement));
  check_statement(m1_statement, 120, 5, false, 5);

  // ---- the bank's file, with one discrepancy of each class ----
  const auto bank_stopped = bank_->stop(SIGTERM);
  bank_.reset();
  const fs::path bank_file = dir_ / "bank" / ("bank_bank_" + compact_date_ + ".csv");
  ASSERT_TRUE(fs::exists(bank_file)) << bank_stopped.out << bank_stopped.err;
  const auto recon =
      cli({"reconcile", "--channel", "bank", "--date", date_, "--file", bank_file.string()});
  EXPECT_EQ(recon.exit_code, 3) << recon.out << recon.err;
  for (const auto* line : {"matched 5\n", "missing_at_bank 1\n", "missing_at_switch 1\n",
                           "amount_mismatch 1\n", "duplicate_at_bank 1\n"}) {
    EXPECT_NE(recon.out.find(line), std::string::npos) << line << " in\n" << recon.out;
  }
  const auto report = csv_rows(slurp(clearing_dir() / ("recon_bank_" + compact_date_ + ".csv")));
  ASSERT_EQ(report.size(), 6u);  // header, four discrepancies, trailer
  std::map<std::string, int> classes;
  for (std::size_t i = 1; i + 1 < report.size(); ++i) ++classes[report[i][0]];
  EXPECT_EQ(classes, (std::map<std::string, int>{{"amount_mismatch", 1},
                                                 {"duplicate_at_bank", 1},
                                                 {"missing_at_bank", 1},
                                                 {"missing_at_switch", 1}}));
  EXPECT_EQ(report.back()[0], "T");
  EXPECT_EQ(report.back()[7], "4");

  // ---- the discrepancies, worked through ----
  const auto listed = cli({"discrepancies", "list", "--open"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::istringstream lines(listed.out);
  std::vector<std::string> ids;
  for (std::string line; std::getline(lines, line);) ids.push_back(line.substr(0, line.find(' ')));
  ASSERT_EQ(ids.size(), 4u) << listed.out;
  EXPECT_EQ(ids[0], "bank/" + date_ + "/1");
  const auto resolved =
      cli({"discrepancies", "resolve", ids[0], "--note", "bank confirmed", "--by", "tester"});
  EXPECT_EQ(resolved.exit_code, 0) << resolved.out << resolved.err;
  const auto twice = cli({"discrepancies", "resolve", ids[0], "--note", "again"});
  EXPECT_NE(twice.exit_code, 0);
  const auto all = cli({"discrepancies", "list"});
  EXPECT_NE(all.out.find(ids[0] + " resolved"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("resolved by tester at "), std::string::npos) << all.out;
  EXPECT_EQ(cli({"discrepancies", "list", "--open"}).out.find(ids[0] + " "), std::string::npos);

  // Reconciling again keeps the resolution and adds nothing.
  const auto repeat =
      cli({"reconcile", "--channel", "bank", "--date", date_, "--file", bank_file.string()});
  EXPECT_EQ(repeat.exit_code, 3);
  EXPECT_NE(repeat.out.find("0 discrepancies stored new, 0 closed"), std::string::npos)
      << repeat.out;
}

TEST_F(ClearingEndToEnd, CommandsRefuseBadInput) {
  EXPECT_EQ(cli({"clear", "--date", "2026-02-30"}).exit_code, 2);
  const auto open = cli({"clear", "--date", date_});
  EXPECT_EQ(open.exit_code, 1);
  EXPECT_NE(open.err.find("is still open"), std::string::npos) << open.err;
  std::ofstream(dir_ / "garbage.csv") << "rrn,stan\n\xff\xfe\n";
  const auto garbage = cli({"reconcile", "--channel", "bank", "--date", "2020-01-01", "--file",
                            (dir_ / "garbage.csv").string()});
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.err.find("not cleared yet"), std::string::npos) << garbage.err;
  EXPECT_EQ(cli({"discrepancies", "resolve", "nonsense", "--note", "x"}).exit_code, 2);
  // A configuration naming no store is refused: clearing an empty store would seal the date as
  // having had no events.
  std::ifstream in(config_path());
  std::stringstream text;
  text << in.rdbuf();
  std::string other = text.str();
  other.replace(other.find(store_path().string()), store_path().string().size(),
                (dir_ / "no-store").string());
  std::ofstream(dir_ / "other.toml") << other;
  const auto none = run_process({switchyard_binary(), "clear", "--date", "2020-01-01", "--config",
                                 (dir_ / "other.toml").string()});
  EXPECT_EQ(none.exit_code, 12) << none.err;
  EXPECT_NE(none.err.find("no store at"), std::string::npos) << none.err;
  EXPECT_FALSE(fs::exists(dir_ / "no-store"));
}

}  // namespace
}  // namespace sy::testing
