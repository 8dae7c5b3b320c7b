// Test support for clearing and reconciliation: a store with journal entries committed as the
// payment flow writes them, a configuration of two merchants and two channels, and file reads.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "clearing/cutoff.h"
#include "clearing/ids.h"
#include "protocol/currency.h"
#include "tests/clearing/store_test_support.h"

namespace sy::clearing::test {

using namespace std::chrono_literals;

inline constexpr std::chrono::year_month_day day1{std::chrono::year{2026}, std::chrono::November,
                                                  std::chrono::day{21}};
inline constexpr std::chrono::year_month_day day2{std::chrono::year{2026}, std::chrono::November,
                                                  std::chrono::day{22}};

// 2026-11-21 10:00:00 UTC, and the close of day1 at the 23:00 UTC cutoff.
inline const event_time morning = event_time{std::chrono::sys_days{day1} + 10h};
inline const std::chrono::sys_seconds close1 = std::chrono::sys_days{day1} + 23h;

inline bool counting_random(std::span<std::uint8_t> out) noexcept {
  static std::uint8_t next = 0;
  for (auto& b : out) b = next++;
  return true;
}

class clearing_fixture : public store::test::store_fixture {
 protected:
  using day = std::chrono::year_month_day;

  void SetUp() override {
    store::test::store_fixture::SetUp();
    out_dir_ = dir_.path() + "/out";
    cfg_.clearing.output_dir = out_dir_;
    cfg_.clearing.grace_s = 300;
    config::merchant m1;
    m1.id = "m1";
    m1.fees.base = {150, 10};                                   // 1.5 % + 0.10
    m1.fees.overrides.push_back({"mastercard", "", {200, 0}});  // 2 % for Mastercard
    m1.fees.refund_policy = config::refund_fee_policy::refund;
    config::merchant m2;
    m2.id = "m2";
    m2.fees.base = {100, 5};
    cfg_.merchants = {m1, m2};
    config::channel bank;
    bank.id = "bank_a";
    config::channel wallet;
    wallet.id = "wallet_x";
    wallet.kind = config::channel_kind::http;
    cfg_.channels = {bank, wallet};
    calendar_.emplace(*business_calendar::make({23, 0}, "UTC"));
  }

  // A journal entry (and its event) committed as the payment flow would.
  layout::journal_entry add(std::string merchant, std::string channel, event_type type,
                            std::int64_t amount, event_time at, std::string rrn,
                            event_result result = event_result::approved,
                            protocol::card_brand brand = protocol::card_brand::visa,
                            std::string payment_id = {}) {
    layout::journal_entry e;
    e.event.id = *ids_.next_text(id_kind::event, at);
    e.event.payment_id =
        payment_id.empty() ? *ids_.next_text(id_kind::payment, at) : std::move(payment_id);
    e.event.type = type;
    e.event.result = result;
    e.event.amount = {amount, *protocol::find_currency("EUR")};
    e.event.rrn = std::move(rrn);
    e.event.stan = "000123";
    e.event.authorization_code = "A1B2C3";
    e.event.response_code = "00";
    e.event.time = at;
    e.event.business_date = calendar_->date_of(at);
    e.merchant_id = std::move(merchant);
    e.channel = std::move(channel);
    e.payment_method = protocol::card_summary{brand, "411111", "1111", 12, 2030};
    store::unit_of_work u;
    u.ops.push_back(store::operation::put(
        store::table::journal, layout::journal_key(e.event.business_date, e.event.id),
        layout::kind_byte(layout::kind::journal_entry), layout::encode(e)));
    u.ops.push_back(store::operation::put(
        store::table::events, layout::event_key(e.event.payment_id, e.event.id),
        layout::kind_byte(layout::kind::event), layout::encode(e.event)));
    EXPECT_FALSE(commit(std::move(u)));
    return e;
  }

  void add_payment(const std::string& id, std::int64_t captured) {
    payment_record p;
    p.resource.id = id;
    p.resource.amount = {captured, *protocol::find_currency("EUR")};
    p.resource.amount_captured = captured;
    p.merchant_id = "m1";
    store::unit_of_work u;
    u.ops.push_back(store::operation::put(store::table::payments, layout::object_key(id),
                                          layout::kind_byte(layout::kind::payment),
                                          layout::encode(p)));
    ASSERT_FALSE(commit(std::move(u)));
  }

  result<clearing_report, clearing_error> clear(std::chrono::year_month_day date,
                                                std::chrono::sys_seconds now) {
    return clear_date(context(), date, now);
  }

  clearing_context context() const { return {*env_, *writer_, cfg_, *calendar_, hsm_}; }

  // Writes `text` to a file in the output directory's parent; returns its path.
  std::string write_file(const std::string& name, const std::string& text) const {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::string read(const std::string& name) const {
    std::ifstream in(out_dir_ + "/" + name);
    std::stringstream body;
    body << in.rdbuf();
    return body.str();
  }

  std::string out_dir_;
  config::config cfg_;
  std::optional<business_calendar> calendar_;
  id_generator ids_{counting_random};
  hsm::backend* hsm_ = nullptr;  // set by a test that signs the files
};

}  // namespace sy::clearing::test
