// Tests of the typed record layouts: every record round-trips with its optional fields set and
// unset, every damaged payload (truncated, extended, out-of-range values) is corrupt_record and
// never a crash, the bytes of a record are pinned, and keys order and separate as documented.
#include "clearing/layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "clearing/store/errc.h"

namespace sy::clearing::layout {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_seconds;

constexpr std::chrono::year_month_day date0{std::chrono::year{2026}, std::chrono::November,
                                            std::chrono::day{22}};
constexpr sys_seconds t0{std::chrono::seconds{1'795'303'125}};

protocol::money cny(std::int64_t amount) {
  return {amount, *protocol::find_currency("CNY")};
}

payment_record full_payment() {
  payment_record p;
  auto& r = p.resource;
  r.id = "pay_01JD6Y0Z7QW4K3V9N2B8C5XGTR";
  r.status = protocol::payment_status::partially_refunded;
  r.amount = cny(1000);
  r.amount_captured = 900;
  r.amount_refunded = 300;
  r.merchant_reference = "order-123";
  r.description = "two books";
  r.metadata = {{"k", "v"}, {"empty", ""}};
  r.payment_method = protocol::card_summary{protocol::card_brand::visa, "411111", "1111", 12, 2030};
  r.channel = "bank-a";
  r.authorization_code = "123456";
  r.rrn = "632612000001";
  r.response_code = "00";
  r.decline_code = protocol::decline::insufficient_funds;
  r.business_date = date0;
  r.created_at = t0;
  r.updated_at = t0 + 5s;
  p.merchant_id = "m1";
  p.capture = false;
  p.stan = "000001";
  p.amount_refund_pending = 200;
  p.change = pending_change{change_kind::void_, 1000, "632612000002", "000002"};
  return p;
}

payment_record bare_payment() {
  payment_record p;
  p.resource.id = "pay_1";
  p.resource.amount = cny(1);
  p.resource.payment_method = protocol::wallet_details{"alipay", "acct-9"};
  p.merchant_id = "m1";
  return p;
}

payment_event full_event() {
  payment_event e;
  e.id = "ev_01JD6Y0Z7QW4K3V9N2B8C5XGTS";
  e.payment_id = "pay_01JD6Y0Z7QW4K3V9N2B8C5XGTR";
  e.refund_id = "re_01JD6Y0Z7QW4K3V9N2B8C5XGTT";
  e.type = event_type::reversal;
  e.result = event_result::declined;
  e.amount = cny(300);
  e.authorization_code = "654321";
  e.response_code = "05";
  e.decline_code = protocol::decline::do_not_honor;
  e.rrn = "632612000003";
  e.stan = "000003";
  e.time = event_time{t0} + 250ms;
  e.business_date = date0;
  return e;
}

refund_record full_refund() {
  refund_record f;
  f.resource = {"re_1", "pay_1", cny(300), protocol::refund_status::failed, "damaged", t0};
  f.rrn = "632612000004";
  f.stan = "000004";
  f.response_code = "91";
  f.decline_code = protocol::decline::issuer_unavailable;
  return f;
}

// The least a refund and a channel request hold: every optional field empty.
refund_record bare_refund() {
  refund_record f;
  f.resource.id = "re_1";
  f.resource.amount = cny(1);
  return f;
}

channel_request bare_request() {
  channel_request q;
  q.amount = cny(1);
  return q;
}

channel_request full_request() {
  channel_request q;
  q.kind = request_kind::refund;
  q.state = request_state::reversal_due;
  q.channel = "bank-a";
  q.merchant_id = "m1";
  q.payment_id = "pay_1";
  q.refund_id = "re_1";
  q.idempotency_key = "key-1";
  q.mti = "0200";
  q.stan = "000004";
  q.rrn = "632612000004";
  q.amount = cny(300);
  q.sent_at = event_time{t0};
  q.pan_ciphertext = std::string("\x00\x01\xfe\xff", 4);
  q.attempts = 3;
  q.next_attempt_at = event_time{t0} + 30s;
  return q;
}

// One encoder and decoder pair over encoded payloads, for the damage tests.
struct codec_case {
  std::string name;
  std::string payload;
  std::function<bool(std::string_view)> decodes;  // decodes to exactly the original
  std::function<error_code(std::string_view)> error_of;
};

template <class T>
codec_case make_case(std::string name, const T& value, result<T> (*decode)(std::string_view)) {
  return codec_case{std::move(name), encode(value),
                    [value, decode](std::string_view p) {
                      auto r = decode(p);
                      return r.has_value() && *r == value;
                    },
                    [decode](std::string_view p) {
                      auto r = decode(p);
                      return r.has_value() ? error_code{} : r.error();
                    }};
}

std::vector<codec_case> all_cases() {
  journal_entry entry{full_event(), "m1", "bank-a", full_payment().resource.payment_method};
  journal_entry local{full_event(), "m1", std::nullopt, bare_payment().resource.payment_method};
  idempotency_record idem{{0x0123456789abcdefULL, 0xfedcba9876543210ULL},
                          idempotency_state::complete,
                          "pay_1",
                          t0,
                          t0 + 24h,
                          201,
                          R"({"id":"pay_1"})"};
  batch_record batch{date0, 0x0123456789abcdefULL, t0, true, 12, 1, 3, 2};
  batch_file file{file_kind::settlement,
                  "m1",
                  "settlement_m1_20261122.csv",
                  12,
                  2,
                  {{"CNY", 10, 5000, 75, 4925}, {"EUR", 2, -300, 0, -300}},
                  std::string(64, 'a')};
  discrepancy_record found{discrepancy_class::amount_mismatch,
                           "000000000001",
                           "000001",
                           "sale",
                           1000,
                           1001,
                           "EUR",
                           "pay_1",
                           "amount differs",
                           t0,
                           "",
                           {},
                           ""};
  discrepancy_record resolved = found;
  resolved.kind = discrepancy_class::missing_at_switch;
  resolved.switch_amount.reset();
  resolved.resolved_by = "ops";
  resolved.resolved_at = t0 + 1h;
  resolved.note = "bank reversed it on 11-23";
  return {
      make_case("payment", full_payment(), decode_payment),
      make_case("bare payment", bare_payment(), decode_payment),
      make_case("refund", full_refund(), decode_refund),
      make_case("bare refund", bare_refund(), decode_refund),
      make_case("event", full_event(), decode_event),
      make_case("journal entry", entry, decode_journal_entry),
      make_case("journal entry without channel", local, decode_journal_entry),
      make_case("idempotency", idem, decode_idempotency),
      make_case("channel request", full_request(), decode_channel_request),
      make_case("bare channel request", bare_request(), decode_channel_request),
      make_case("nonce", nonce_record{t0}, decode_nonce),
      make_case("batch", batch, decode_batch),
      make_case("batch file", file, decode_batch_file),
      make_case("discrepancy", found, decode_discrepancy),
      make_case("resolved discrepancy", resolved, decode_discrepancy),
      make_case("sequence", sequence_record{date0, stan_max, rrn_max}, decode_sequence),
  };
}

TEST(Layout, EveryRecordRoundTrips) {
  for (const auto& c : all_cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(c.decodes(c.payload));
  }
}

// Decoding into an entry that held another one (other strings, a wallet for a card, a channel
// for none) gives what a fresh decode gives.
TEST(Layout, JournalEntryDecodedIntoAUsedOneIsTheSame) {
  const journal_entry card{full_event(), "m1", "bank-a", full_payment().resource.payment_method};
  payment_event bare = full_event();
  bare.id = "ev_2";
  bare.payment_id = "pay_2";
  bare.rrn.reset();
  bare.authorization_code.reset();
  const journal_entry wallet{bare, "m22", std::nullopt,
                             protocol::wallet_details{"alipay", "account-with-a-long-name"}};
  journal_entry reused;
  for (const auto* e : {&card, &wallet, &card, &card, &wallet}) {
    ASSERT_TRUE(decode_journal_entry_into(encode(*e), reused));
    EXPECT_EQ(reused, *e);
  }
}

// Whatever is missing or added, the decoder answers corrupt_record rather than a wrong record.
TEST(Layout, TruncatedOrExtendedPayloadsAreCorrupt) {
  for (const auto& c : all_cases()) {
    SCOPED_TRACE(c.name);
    for (std::size_t size = 0; size < c.payload.size(); ++size) {
      EXPECT_EQ(c.error_of(std::string_view(c.payload).substr(0, size)),
                store::errc::corrupt_record)
          << "prefix of " << size << " bytes";
    }
    EXPECT_EQ(c.error_of(c.payload + '\0'), store::errc::corrupt_record);
  }
}

// Flipping any single byte never crashes: it decodes to another record or is corrupt_record
// (the envelope's checksum is what catches flips on disk; this is the decoder's own safety).
TEST(Layout, AnyByteFlipDecodesSafely) {
  for (const auto& c : all_cases()) {
    SCOPED_TRACE(c.name);
    for (std::size_t i = 0; i < c.payload.size(); ++i) {
      for (const unsigned char flip : {0x01, 0x80, 0xff}) {
        std::string damaged = c.payload;
        damaged[i] = static_cast<char>(static_cast<unsigned char>(damaged[i]) ^ flip);
        const error_code ec = c.error_of(damaged);
        EXPECT_TRUE(!ec || ec == store::errc::corrupt_record) << ec.message();
      }
    }
  }
}

TEST(Layout, OutOfRangeValuesAreCorrupt) {
  // A batch's final flag follows date (8), run (8) and sealed_at (8).
  std::string batch = encode(batch_record{date0, 1, t0, false, 0, 0, 0, 0});
  batch[8 + 8 + 8] = 2;  // a flag is 0 or 1
  EXPECT_EQ(decode_batch(batch).error(), store::errc::corrupt_record);
  std::string file = encode(batch_file{});
  file[0] = 2;  // file_kind has two values
  EXPECT_EQ(decode_batch_file(file).error(), store::errc::corrupt_record);

  payment_event e = full_event();
  std::string event = encode(e);
  const auto currency_at = event.find("CNY");
  ASSERT_NE(currency_at, std::string::npos);
  event.replace(currency_at, 3, "QQQ");  // no such ISO 4217 code
  EXPECT_EQ(decode_event(event).error(), store::errc::corrupt_record);

  std::string flag = encode(full_refund());
  // The reason's presence flag sits after id, payment id, money and status.
  const std::size_t reason_flag = (4 + 4) + (4 + 5) + (8 + 4 + 3) + 1;
  ASSERT_EQ(flag[reason_flag], 1);
  flag[reason_flag] = 2;  // a flag is 0 or 1
  EXPECT_EQ(decode_refund(flag).error(), store::errc::corrupt_record);
}

// The allocator never reserves past the elements' digits, so a larger mark is damage.
TEST(Layout, MemberListsOutOfOrderOrCutAreCorrupt) {
  const std::vector<batch_member> members{{date0, {1}}, {date0, {2}}};
  const std::string list = encode(std::span<const batch_member>(members));
  EXPECT_EQ(decode_batch_members(list)->size(), 2u);
  EXPECT_EQ(decode_batch_members(list.substr(0, 30)).error(), store::errc::corrupt_record);
  const std::vector<batch_member> reversed{members[1], members[0]};
  EXPECT_EQ(decode_batch_members(encode(std::span<const batch_member>(reversed))).error(),
            store::errc::corrupt_record);
}

TEST(Layout, SequenceMarksPastTheirDigitsAreCorrupt) {
  EXPECT_EQ(decode_sequence(encode(sequence_record{date0, stan_max + 1, 0})).error(),
            store::errc::corrupt_record);
  EXPECT_EQ(decode_sequence(encode(sequence_record{date0, 0, rrn_max + 1})).error(),
            store::errc::corrupt_record);
  EXPECT_TRUE(decode_sequence(encode(sequence_record{date0, stan_max, rrn_max})).has_value());
}

// The bytes are the on-disk contract (docs/storage.md): pin two small records exactly.
TEST(Layout, BytesArePinned) {
  EXPECT_EQ(encode(nonce_record{sys_seconds{std::chrono::seconds{0x0102030405060708}}}),
            std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  const std::string batch = encode(batch_record{
      std::chrono::year_month_day{std::chrono::sys_days{}}, 0x05, sys_seconds{}, true, 2, 1, 3, 0});
  const std::string expected = std::string(8, '\0') + std::string("\x05\0\0\0\0\0\0\0", 8) +
                               std::string(8, '\0') + "\x01" +
                               std::string("\x02\0\0\0\0\0\0\0", 8) + std::string("\x01\0\0\0", 4) +
                               std::string("\x03\0\0\0", 4) + std::string(8, '\0');
  EXPECT_EQ(batch, expected);
  // A member: the date as big-endian days since 1970 (so lists sort like the journal), the id.
  const batch_member member{std::chrono::sys_days{std::chrono::days{0x0102}}, {0xaa}};
  EXPECT_EQ(encode(std::span<const batch_member>(&member, 1)),
            std::string("\0\0\x01\x02\xaa", 5) + std::string(15, '\0'));
  EXPECT_EQ(encode(sequence_record{std::chrono::year_month_day{std::chrono::sys_days{}}, 0x01020304,
                                   0x05}),
            std::string(8, '\0') + "\x04\x03\x02\x01" + std::string("\x05\0\0\0\0\0\0\0", 8));
}

TEST(LayoutKeys, CompositeKeysSeparateTheirParts) {
  EXPECT_EQ(sequence_key("bank-a"), std::string("sequence\0bank-a", 15));
  EXPECT_EQ(event_key("pay_1", "ev_2"), std::string("pay_1\0ev_2", 10));
  EXPECT_TRUE(event_key("pay_1", "ev_2").starts_with(events_of("pay_1")));
  EXPECT_FALSE(event_key("pay_10", "ev_2").starts_with(events_of("pay_1")));
  EXPECT_EQ(journal_key(date0, "ev_2"), std::string("2026-11-22\0ev_2", 15));
  EXPECT_TRUE(journal_key(date0, "ev_2").starts_with(journal_of(date0)));
  EXPECT_EQ(idempotency_key("m1", "k"), std::string("m1\0k", 4));
  EXPECT_EQ(batch_key(date0), std::string("s\0"
                                          "2026-11-22",
                                          12));
  EXPECT_EQ(batch_members_key(date0, 0xab, 0x0102), std::string("m\0"
                                                                "2026-11-22\0"
                                                                "00000000000000ab\0"
                                                                "\0\0\x01\x02",
                                                                34));
  EXPECT_TRUE(
      batch_file_key(date0, 0xab, "clearing", "bank-a").starts_with(batch_files_of(date0, 0xab)));
  EXPECT_EQ(discrepancy_key("bank-a", date0, 7), std::string("bank-a\0"
                                                             "2026-11-22\0"
                                                             "\0\0\0\x07",
                                                             22));
  EXPECT_EQ(channel_request_key("re_1", request_kind::refund), std::string("re_1\0refund", 11));
  // A reference that is a prefix of another selects only its own payments.
  EXPECT_FALSE(
      reference_key("m1", "order-12", "pay_1").starts_with(references_of("m1", "order-1")));
  EXPECT_TRUE(reference_key("m1", "order-1", "pay_1").starts_with(references_of("m1", "order-1")));
  EXPECT_EQ(indexed_payment_id(reference_key("m1", "order-1", "pay_9")), "pay_9");
  EXPECT_EQ(indexed_payment_id(merchant_payment_key("m1", "pay_8")), "pay_8");
  // Payments and references of one merchant never interleave with another merchant's.
  EXPECT_FALSE(merchant_payment_key("m10", "pay_1").starts_with(merchant_payments_of("m1")));
}

TEST(LayoutKeys, ExpiryKeysSortByTimeAndParseBack) {
  const std::string early = expiry_key(t0, idempotency_key("m9", "z"));
  const std::string late = expiry_key(t0 + 1s, idempotency_key("m1", "a"));
  EXPECT_LT(early, late);
  EXPECT_TRUE(early.starts_with(expiry_prefix()));
  EXPECT_LT(early, idempotency_key("m1", "a"));  // the index sorts before every record
  const auto parsed = parse_expiry_key(late);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->expires_at, t0 + 1s);
  EXPECT_EQ(parsed->record_key, idempotency_key("m1", "a"));
  EXPECT_FALSE(parse_expiry_key("m1").has_value());
  EXPECT_FALSE(parse_expiry_key(std::string(9, '\0')).has_value());  // no record key
  EXPECT_FALSE(parse_expiry_key(std::string("\0\xff\xff\xff\xff\xff\xff\xff\xffk", 10)));
}

TEST(LayoutKeysDeathTest, APartHoldingTheSeparatorIsABug) {
  EXPECT_DEATH(idempotency_key("m1", std::string("a\0b", 3)), "");
}

TEST(Layout, NamesOfStates) {
  EXPECT_EQ(to_string(request_kind::void_), "void");
  EXPECT_EQ(to_string(request_state::awaiting_completion), "awaiting_completion");
  EXPECT_EQ(to_string(idempotency_state::in_progress), "in_progress");
  EXPECT_EQ(to_string(file_kind::settlement), "settlement");
  EXPECT_EQ(to_string(discrepancy_class::duplicate_at_bank), "duplicate_at_bank");
}

}  // namespace
}  // namespace sy::clearing::layout
