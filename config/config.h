// The configuration model: plain, typed, already validated structs. A loaded configuration is
// an immutable snapshot shared by pointer (`snapshot`), so a reload can swap it atomically.
// Money is int64 minor units; every duration carries its unit in its name.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/limits.h"
#include "config/secret.h"

namespace sy::config {

struct listener {
  std::string address;     // IP literal or host name to bind
  std::uint16_t port = 0;  // 0: the kernel picks one (tests, integration runs)
};

struct listeners {
  listener merchant_api{"0.0.0.0", 8443};
  listener admin{"127.0.0.1", 9090};  // loopback by default (specs/merchant-api.md)
  // The merchant listener's bounds: open connections (more are closed at accept) and requests
  // handled at once (more are answered 503 with Retry-After).
  std::int64_t connection_count_max = 4096;
  std::int64_t inflight_count_max = 1024;
};

enum class tls_version : std::uint8_t { tls1_2, tls1_3 };

struct tls_settings {
  std::string certificate_path;
  std::string key_path;
  std::string client_ca_path;  // empty: clients are not asked for certificates
  tls_version min_version = tls_version::tls1_2;
};

struct storage_settings {
  std::string path = "data/store";
  std::int64_t map_size_bytes = std::int64_t{4} << 30;
  bool map_growth = true;
  // Growth doubles the map up to this size; at least map_size_bytes. The default, the largest
  // allowed, leaves the disk as the real limit (the map is address space, not allocated space).
  std::int64_t map_size_max_bytes = limits::store_map_size_max;
  std::int64_t idempotency_retention_h = 24;
  std::int64_t nonce_window_s = 600;
};

struct worker_settings {
  std::int64_t count = 0;  // 0: one per core
};

// An amount per ISO 4217 currency, e.g. a daily volume cap per currency.
struct currency_amount {
  std::string currency;
  std::int64_t amount_minor = 0;
};

struct api_key {
  std::string id;
  secret key_secret;
  bool active = true;
};

struct rate_limit {
  std::int64_t requests_per_s = 100;
  std::int64_t burst = 200;
};

// An inclusive range of card number prefixes of equal length, e.g. 510000..559999; a single
// prefix `4` is the range 4..4.
struct bin_range {
  std::string low;
  std::string high;
};

struct risk_limits {
  std::vector<currency_amount> transaction_amount_max;  // per currency; absent: no cap
  std::vector<currency_amount> daily_volume_max;
  std::int64_t velocity_count_max = 0;  // per card within velocity_window_s; 0: no limit
  std::vector<currency_amount> velocity_amount_max;
  std::int64_t velocity_window_s = 3600;
  std::vector<bin_range> blocked_bins;
  std::vector<std::string> blocked_card_tokens;
  bool frozen = false;  // a frozen merchant's payments are refused; refunds still run
};

// What happens to the fee of a payment when it is refunded.
enum class refund_fee_policy : std::uint8_t {
  keep,    // the merchant is not given the fee back
  refund,  // the fee is returned in proportion to the refunded amount
  charge,  // the refund is charged like a payment
};

struct fee_rate {
  std::int64_t basis_points = 0;
  std::int64_t fixed_minor = 0;
};

// A fee override for one card brand or one channel (exactly one of the two is set).
struct fee_override {
  std::string brand;
  std::string channel;
  fee_rate rate;
};

struct fee_schedule {
  fee_rate base;
  std::vector<fee_override> overrides;  // first match wins
  refund_fee_policy refund_policy = refund_fee_policy::keep;
};

struct merchant {
  std::string id;
  std::string name;
  std::string mcc;  // 4 digits, DE 18
  std::vector<api_key> api_keys;
  rate_limit rate;
  risk_limits risk;
  fee_schedule fees;
  // SHA-256 fingerprints (64 upper-case hex digits) of the TLS client certificates the merchant's
  // requests must come with; empty: any connection (or none of these checks).
  std::vector<std::string> client_certificate_sha256;
};

enum class channel_kind : std::uint8_t { iso8583, http };
enum class framing : std::uint8_t { binary2, ascii4 };
enum class iso8583_spec : std::uint8_t { iso87, iso93 };

struct endpoint {
  std::string host;
  std::uint16_t port = 0;
  friend bool operator==(const endpoint&, const endpoint&) = default;
};

struct channel_tls {
  bool enabled = false;
  std::string ca_path;           // empty: the system trust store
  std::string certificate_path;  // client certificate for mutual TLS; empty: none
  std::string key_path;
  std::string server_name;  // SNI and name check; empty: the endpoint's host
  friend bool operator==(const channel_tls&, const channel_tls&) = default;
};

// The bank's settlement file columns in file order; a "-" column is skipped.
inline const std::vector<std::string>& default_settlement_columns() {
  static const std::vector<std::string> columns{
      "rrn", "stan", "event_type", "amount", "currency", "authorization_code", "business_date"};
  return columns;
}

struct channel {
  std::string id;
  channel_kind kind = channel_kind::iso8583;
  std::vector<endpoint> endpoints;  // iso8583 only
  channel_tls tls;
  std::int64_t connect_timeout_ms = 3'000;
  std::int64_t request_timeout_ms = 15'000;
  std::int64_t connection_count = 1;
  std::int64_t inflight_max = 64;  // per connection
  // ISO 8583 only.
  framing frame = framing::binary2;
  std::int64_t frame_size_max = 8192;
  std::int64_t echo_interval_ms = 60'000;
  // Store-and-forward: the wait before the first 0420 repeat, doubling up to the max.
  std::int64_t reversal_retry_base_ms = limits::reversal_retry_base_ms;
  std::int64_t reversal_retry_max_ms = limits::reversal_retry_max_ms;
  iso8583_spec spec = iso8583_spec::iso87;
  std::optional<std::string> mac_key;  // HSM key name; absent: no DE 64/128
  std::string acquirer_id;
  std::string terminal_id;
  std::string card_acceptor_id;
  std::string card_acceptor_name;
  // HTTP only.
  std::string base_url;
  std::string signing_key;  // HSM key name
  std::vector<std::string> settlement_columns = default_settlement_columns();
  friend bool operator==(const channel&, const channel&) = default;
};

enum class payment_method : std::uint8_t { card, wallet };

// One routing rule. Every non-empty criterion must match; empty criteria match anything.
struct route {
  std::string id;
  std::vector<bin_range> bins;
  std::vector<std::string> brands;
  std::vector<payment_method> methods;
  std::vector<std::string> currencies;
  std::optional<std::int64_t> amount_min;
  std::optional<std::int64_t> amount_max;
  std::vector<std::string> merchants;
  std::vector<std::string> channels;  // failover order
  std::vector<std::int64_t> weights;  // empty, or one per channel: traffic shares
  bool failover_on_timeout = false;
};

struct time_of_day {
  std::uint8_t hour = 0;
  std::uint8_t minute = 0;
};

struct clearing_settings {
  time_of_day cutoff{23, 0};
  std::string time_zone = "UTC";  // IANA name
  std::int64_t grace_s = 300;
  std::string output_dir = "data/clearing";
  // HSM key (type file_signing) whose HMAC signs each file's digest into NAME.sig; absent: the
  // files are not signed.
  std::optional<std::string> signing_key;
};

enum class hsm_backend : std::uint8_t { soft, pkcs11 };

struct soft_hsm_settings {
  std::string key_store_path;
  secret master_key;
};

struct pkcs11_settings {
  std::string module_path;
  std::optional<std::int64_t> slot;  // exactly one of slot and token_label
  std::string token_label;
  secret pin;
};

struct hsm_settings {
  hsm_backend backend = hsm_backend::soft;
  // The keys of PAN protection (hsm/pan_protection.h): a card's lookup token and the ciphertext
  // stored for the reversals that need DE 2 again.
  std::string pan_token_key = "pan-token";
  std::string pan_data_key = "pan-data";
  soft_hsm_settings soft;  // when backend is soft
  pkcs11_settings pkcs11;  // when backend is pkcs11
};

struct config {
  std::string source_name;  // the file it was loaded from, for messages
  listeners listen;
  tls_settings tls;
  storage_settings storage;
  worker_settings workers;
  std::vector<merchant> merchants;
  std::vector<channel> channels;
  std::vector<route> routes;  // in order: the first matching rule wins
  clearing_settings clearing;
  hsm_settings hsm;
};

using snapshot = std::shared_ptr<const config>;

}  // namespace sy::config
