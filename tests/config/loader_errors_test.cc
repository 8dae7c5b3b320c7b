// Every diagnostic path of the loader, one case each: the file text (appended to a minimal
// valid configuration) and the line expected among the diagnostics.
#include "config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/config/test_support.h"

namespace sy::config {
namespace {

using test::bank_channel;
using test::bank_channel_head;
using test::minimal;
using test::shop_merchant;
using test::wallet_channel;

struct error_case {
  const char* name;
  std::string text;  // appended to `minimal`
  std::string expected;
};

void PrintTo(const error_case& c, std::ostream* os) {
  *os << c.name;
}

class ConfigDiagnostics : public ::testing::TestWithParam<error_case> {};

TEST_P(ConfigDiagnostics, ReportsTheExpectedError) {
  const auto outcome = test::load(minimal + GetParam().text);
  EXPECT_FALSE(outcome.ok());
  EXPECT_THAT(test::lines(outcome), ::testing::Contains(::testing::HasSubstr(GetParam().expected)));
}

const std::string route_to(const std::string& channels) {
  return "[[routes]]\nid = \"r1\"\nchannels = " + channels + "\n";
}

const error_case cases[] = {
    // Types.
    {"PortNotInteger", "[listeners.admin]\nport = \"80\"\n",
     "listeners.admin.port: \"80\" is a string, expected an integer"},
    {"BooleanExpected", "[storage]\nmap_growth = 1\n",
     "storage.map_growth: 1 is an integer, expected true or false"},
    {"ArrayExpected", bank_channel + "settlement_columns = \"rrn\"\n",
     "channels[0].settlement_columns: \"rrn\" is a string, expected an array"},
    {"StringElementExpected", bank_channel_head + "endpoints = [1]\n",
     "channels[0].endpoints[0]: 1 is an integer, expected a string"},
    {"FloatNotInteger", "[workers]\ncount = 1.5\n",
     "workers.count: found a float, expected an integer"},
    {"EmptyString", "[storage]\npath = \"\"\n", "storage.path: is empty, expected 1 to 4096"},
    {"StringTooLong",
     "[[merchants]]\nid = \"m\"\nmcc = \"5999\"\nname = \"" + std::string(129, 'a') + "\"\n",
     "is longer than the maximum 128 characters"},
    // Bounds.
    {"PortAboveMax", "[listeners.merchant_api]\nport = 65536\n",
     "listeners.merchant_api.port: 65536 is above the maximum 65535"},
    {"WorkersBelowMin", "[workers]\ncount = -1\n", "workers.count: -1 is below the minimum 0"},
    {"WorkersAboveMax", "[workers]\ncount = 257\n", "workers.count: 257 is above the maximum 256"},
    {"MapSizeBelowMin", "[storage]\nmap_size_bytes = 1\n",
     "storage.map_size_bytes: 1 is below the minimum 16777216"},
    {"MapSizeMaxBelowMin", "[storage]\nmap_size_max_bytes = 1\n",
     "storage.map_size_max_bytes: 1 is below the minimum 16777216"},
    {"MapSizeMaxAboveMax", "[storage]\nmap_size_max_bytes = 1099511627777\n",
     "storage.map_size_max_bytes: 109951***7777 is above the maximum 1099511627776"},
    {"MapSizeMaxBelowMapSize",
     "[storage]\nmap_size_bytes = 1073741824\nmap_size_max_bytes = 536870912\n",
     "storage.map_size_max_bytes: 536870912 is below map_size_bytes 1073741824"},
    {"MapSizeMaxBelowDefaultMapSize", "[storage]\nmap_size_max_bytes = 1073741824\n",
     "storage.map_size_max_bytes: 1073741824 is below map_size_bytes 4294967296"},
    {"RetentionBelow24h", "[storage]\nidempotency_retention_h = 23\n",
     "storage.idempotency_retention_h: 23 is below the minimum 24"},
    {"NonceWindowBelowSkew", "[storage]\nnonce_window_s = 599\n",
     "storage.nonce_window_s: 599 is below the minimum 600"},
    {"ConnectTimeoutZero", bank_channel + "connect_timeout_ms = 0\n",
     "channels[0].connect_timeout_ms: 0 is below the minimum 1"},
    {"RequestTimeoutAboveMax", bank_channel + "request_timeout_ms = 120001\n",
     "channels[0].request_timeout_ms: 120001 is above the maximum 120000"},
    {"EchoIntervalBelowMin", bank_channel + "echo_interval_ms = 999\n",
     "channels[0].echo_interval_ms: 999 is below the minimum 1000"},
    {"ReversalRetryBelowMin", bank_channel + "reversal_retry_base_ms = 99\n",
     "channels[0].reversal_retry_base_ms: 99 is below the minimum 100"},
    {"ReversalRetryMaxBelowBase",
     bank_channel + "reversal_retry_base_ms = 2000\nreversal_retry_max_ms = 1000\n",
     "channels[0].reversal_retry_max_ms: 1000 ms maximum is below the 2000 ms base"},
    {"ConnectionCountZero", bank_channel + "connection_count = 0\n",
     "channels[0].connection_count: 0 is below the minimum 1"},
    {"InflightAboveMax", bank_channel + "inflight_max = 4097\n",
     "channels[0].inflight_max: 4097 is above the maximum 4096"},
    {"FrameBelowMin", bank_channel + "frame_size_max = 511\n",
     "channels[0].frame_size_max: 511 is below the minimum 512"},
    {"Ascii4FrameAbove9999", bank_channel + "framing = \"ascii4\"\nframe_size_max = 10000\n",
     "channels[0].frame_size_max: 10000 is above the maximum 9999"},
    {"RateLimitZero", shop_merchant + "[merchants.rate_limit]\nrequests_per_s = 0\n",
     "merchants[0].rate_limit.requests_per_s: 0 is below the minimum 1"},
    {"BurstZero", shop_merchant + "[merchants.rate_limit]\nburst = 0\n",
     "merchants[0].rate_limit.burst: 0 is below the minimum 1"},
    {"FeeAbove100Percent", shop_merchant + "[merchants.fees]\nbasis_points = 10001\n",
     "merchants[0].fees.basis_points: 10001 is above the maximum 10000"},
    {"FixedFeeNegative", shop_merchant + "[merchants.fees]\nfixed_minor = -1\n",
     "merchants[0].fees.fixed_minor: -1 is below the minimum 0"},
    {"VelocityWindowZero", shop_merchant + "[merchants.risk]\nvelocity_window_s = 0\n",
     "merchants[0].risk.velocity_window_s: 0 is below the minimum 1"},
    {"VelocityCountNegative", shop_merchant + "[merchants.risk]\nvelocity_count_max = -1\n",
     "merchants[0].risk.velocity_count_max: -1 is below the minimum 0"},
    {"AmountAboveN12",
     shop_merchant + "[merchants.risk]\ndaily_volume_max = { CNY = 1000000000000 }\n",
     "merchants[0].risk.daily_volume_max.CNY: 100000***0000 is outside 1 to 999999999999"},
    {"AmountNotInteger",
     shop_merchant + "[merchants.risk]\ntransaction_amount_max = { CNY = \"1\" }\n",
     "merchants[0].risk.transaction_amount_max.CNY: \"1\" is a string, expected an amount"},
    {"GraceAboveMax", "[clearing]\ngrace_s = 43201\n",
     "clearing.grace_s: 43201 is above the maximum 43200"},
    {"RouteAmountNegative", bank_channel + route_to("[\"bank\"]") + "amount_min = -1\n",
     "routes[0].amount_min: -1 is below the minimum 0"},
    {"RouteAmountRangeInverted",
     bank_channel + route_to("[\"bank\"]") + "amount_min = 5\namount_max = 4\n",
     "routes[0].amount_max: 4 is below amount_min 5"},
    {"WeightAboveMax", bank_channel + route_to("[\"bank\"]") + "weights = [10001]\n",
     "routes[0].weights[0]: 10001 is out of range, expected an integer 0 to 10000"},
    {"WeightThatIsACardNumberIsMasked",
     bank_channel + route_to("[\"bank\"]") + "weights = [4111111111111111]\n",
     "routes[0].weights[0]: 411111******1111 is out of range, expected an integer 0 to 10000"},
    {"WeightsAllZero", bank_channel + route_to("[\"bank\"]") + "weights = [0]\n",
     "routes[0].weights: are all 0"},
    {"WeightsCountMismatch", bank_channel + route_to("[\"bank\"]") + "weights = [1, 2]\n",
     "routes[0].weights: has 2 entries for 1 channels"},
    {"TooManyEndpoints",
     bank_channel_head + "endpoints = [" +
         [] {
           std::string s;
           for (int i = 0; i < 17; ++i) s += "\"h:1\",";
           return s;
         }() +
         "]\n",
     "channels[0].endpoints: has 17 entries, above the maximum 16"},
    // Required keys and choices.
    {"ChannelIdMissing",
     "[[channels]]\nkind = \"http\"\nbase_url = \"http://w\"\nsigning_key = \"k\"\n",
     "t.toml:11:1: channels[0].id: is required but missing"},
    {"ChannelKindUnknown", "[[channels]]\nid = \"x\"\nkind = \"smtp\"\n",
     "channels[0].kind: \"smtp\" is not one of \"iso8583\" \"http\""},
    {"FramingUnknown", bank_channel + "framing = \"ascii2\"\n",
     "channels[0].framing: \"ascii2\" is not one of \"binary2\" \"ascii4\""},
    {"SpecUnknown", bank_channel + "spec = \"iso2003\"\n",
     "\"iso2003\" is not one of \"iso87\" \"iso93\""},
    {"RefundPolicyUnknown", shop_merchant + "[merchants.fees]\nrefund_policy = \"never\"\n",
     "merchants[0].fees.refund_policy: \"never\" is not one of \"keep\" \"refund\" \"charge\""},
    {"EndpointsMissing",
     "[[channels]]\nid = \"b\"\nkind = \"iso8583\"\nacquirer_id = \"1\"\n"
     "terminal_id = \"T\"\ncard_acceptor_id = \"C\"\n",
     "channels[0].endpoints: is required but missing"},
    {"EndpointsEmpty", bank_channel_head + "endpoints = []\n", "channels[0].endpoints: is empty"},
    {"RouteChannelsEmpty", route_to("[]"), "routes[0].channels: is empty"},
    // Syntax of values.
    {"BadId",
     bank_channel + "[[channels]]\nid = \"has space\"\nkind = \"http\"\n"
                    "base_url = \"http://w\"\nsigning_key = \"k\"\n",
     "channels[1].id: \"has space\" is not an id ([A-Za-z0-9_-])"},
    {"BadAddress", "[listeners.admin]\naddress = \"not a host\"\n",
     "listeners.admin.address: \"not a host\" is not a host name or IP address"},
    {"BadEndpoint", bank_channel_head + "endpoints = [\"127.0.0.1\"]\n",
     "channels[0].endpoints[0]: \"127.0.0.1\" is not host:port (port 1 to 65535)"},
    {"EndpointPortZero", bank_channel_head + "endpoints = [\"h:0\"]\n", "\"h:0\" is not host:port"},
    {"BadMcc", "[[merchants]]\nid = \"m\"\nname = \"n\"\nmcc = \"59a9\"\n",
     "merchants[0].mcc: \"59a9\" is not a 4-digit merchant category code"},
    {"TerminalIdTooLong",
     "[[channels]]\nid = \"b\"\nkind = \"iso8583\"\nendpoints = [\"h:1\"]\n"
     "acquirer_id = \"1\"\nterminal_id = \"TERMINAL9\"\ncard_acceptor_id = \"C\"\n",
     "channels[0].terminal_id: \"TERMINAL9\" is longer than the maximum 8 characters"},
    {"BadBaseUrl",
     "[[channels]]\nid = \"w\"\nkind = \"http\"\nbase_url = \"ftp://w\"\nsigning_key = \"k\"\n",
     "channels[0].base_url: \"ftp://w\" is not an http:// or https:// URL"},
    {"BadBinRange", bank_channel + route_to("[\"bank\"]") + "bins = [\"5599-5100\"]\n",
     "routes[0].bins[0]: \"5599-5100\" is not a BIN prefix or range of up to 11 digits"},
    {"BinTooLong", bank_channel + route_to("[\"bank\"]") + "bins = [\"123456789012\"]\n",
     "routes[0].bins[0]: \"123456**9012\" is not a BIN prefix"},
    {"BinLengthsDiffer", bank_channel + route_to("[\"bank\"]") + "bins = [\"4-55\"]\n",
     "\"4-55\" is not a BIN"},
    {"BadCurrencySyntax", bank_channel + route_to("[\"bank\"]") + "currencies = [\"cny\"]\n",
     "routes[0].currencies[0]: \"cny\" is not an ISO 4217 alphabetic code ([A-Z]{3})"},
    {"UnknownCurrency", bank_channel + route_to("[\"bank\"]") + "currencies = [\"XAU\"]\n",
     "routes[0].currencies[0]: \"XAU\" is not a currency the switch knows"},
    {"UnknownCurrencyKey", shop_merchant + "[merchants.risk]\ndaily_volume_max = { EUR = 1 }\n",
     "merchants[0].risk.daily_volume_max.EUR: \"EUR\" is not a currency the switch knows"},
    {"BadBrandSyntax", bank_channel + route_to("[\"bank\"]") + "brands = [\"Visa\"]\n",
     "routes[0].brands[0]: \"Visa\" is not a card brand (a lowercase word)"},
    {"UnknownBrand", bank_channel + route_to("[\"bank\"]") + "brands = [\"amex\"]\n",
     "routes[0].brands[0]: \"amex\" is not a card brand the switch knows"},
    {"UnknownMethod", bank_channel + route_to("[\"bank\"]") + "methods = [\"cash\"]\n",
     "routes[0].methods[0]: \"cash\" is not one of \"card\" \"wallet\""},
    {"BadCutoff", "[clearing]\ncutoff = \"24:00\"\n",
     "clearing.cutoff: \"24:00\" is not a time of day HH:MM (00:00 to 23:59)"},
    {"BadTimeZoneSyntax", "[clearing]\ntime_zone = \"../etc/passwd\"\n",
     "clearing.time_zone: \"../etc/passwd\" is not an IANA time zone name"},
    {"UnknownTimeZone", "[clearing]\ntime_zone = \"Mars/Olympus\"\n",
     "clearing.time_zone: \"Mars/Olympus\" is not a time zone in the time zone database"},
    {"BadSettlementColumn", bank_channel + "settlement_columns = [\"rrn\", \"amt\"]\n",
     "channels[0].settlement_columns[1]: \"amt\" is not a settlement column"},
    {"DuplicateSettlementColumn",
     bank_channel +
         "settlement_columns = [\"rrn\", \"rrn\", \"event_type\", \"amount\", \"currency\"]\n",
     "channels[0].settlement_columns[1]: \"rrn\" appears twice"},
    {"SettlementColumnMissing",
     bank_channel + "settlement_columns = [\"rrn\", \"event_type\", \"amount\"]\n",
     "channels[0].settlement_columns: has no \"currency\" column"},
    {"CardNumberAsToken",
     shop_merchant + "[merchants.risk]\nblocked_card_tokens = [\"5555555555554444\"]\n",
     "\"555555******4444\" is not a card token (printable, never a card number)"},
    {"ClientCertificateNotAFingerprint",
     "[[merchants]]\nid = \"m1\"\nname = \"Shop\"\nmcc = \"5999\"\n"
     "client_certificate_sha256 = [\"abc\"]\n",
     "merchants[0].client_certificate_sha256[0]: \"abc\" is not a SHA-256 fingerprint"},
    {"HttpChannelNeedsBaseUrl", "[[channels]]\nid = \"w\"\nkind = \"http\"\nsigning_key = \"k\"\n",
     "channels[0].base_url: is required but missing"},
    {"NameNotPrintable", "[[merchants]]\nid = \"m\"\nmcc = \"5999\"\nname = \"a\\tb\"\n",
     "merchants[0].name: \"a\\x09b\" is not printable ASCII"},
    {"CardTokenTooLong",
     shop_merchant + "[merchants.risk]\nblocked_card_tokens = [\"" + std::string(65, 't') + "\"]\n",
     "merchants[0].risk.blocked_card_tokens[0]: \"tttttttttt"},
    {"WeightNotInteger", bank_channel + route_to("[\"bank\"]") + "weights = [\"1\"]\n",
     "routes[0].weights[0]: \"1\" is a string, expected an integer 0 to 10000"},
    {"BadServerName", bank_channel + "[channels.tls]\nenabled = true\nserver_name = \"a b\"\n",
     "channels[0].tls.server_name: \"a b\" is not a host name"},
    {"CutoffNotString", "[clearing]\ncutoff = 23:00:00\n",
     "clearing.cutoff: found a time, expected a string"},
    {"SignatureKeyBadName",
     "[[channels]]\nid = \"w\"\nkind = \"http\"\nbase_url = \"http://w\"\n"
     "signing_key = \"a/b\"\n",
     "channels[0].signing_key: \"a/b\" is not an HSM key name"},
    {"VelocityAmountZero", shop_merchant + "[merchants.risk]\nvelocity_amount_max = { USD = 0 }\n",
     "merchants[0].risk.velocity_amount_max.USD: 0 is outside 1 to 999999999999"},
    {"ChoiceNotString", bank_channel + "framing = 2\n",
     "channels[0].framing: 2 is an integer, expected a string"},
    {"QuotedUnknownKey", shop_merchant + "\"odd key\" = 1\n",
     "merchants[0].api_keys[0].\"odd key\": unknown key"},
    // Unknown keys.
    {"UnknownTopLevelKey", "[listner]\n", "t.toml:11:2: listner: unknown key; expected one of:"},
    {"UnknownChannelKey", bank_channel + "timeout_ms = 5\n", "channels[0].timeout_ms: unknown key"},
    {"UnknownNestedKey", shop_merchant + "[merchants.risk]\nfrozen_flag = true\n",
     "merchants[0].risk.frozen_flag: unknown key"},
    // Cross-references.
    {"RouteUnknownChannel", bank_channel + route_to("[\"bank\", \"nope\"]"),
     "routes[0].channels[1]: \"nope\" is not the id of a channel"},
    {"RouteChannelTwice", bank_channel + route_to("[\"bank\", \"bank\"]"),
     "routes[0].channels[1]: \"bank\" appears twice"},
    {"RouteUnknownMerchant", bank_channel + route_to("[\"bank\"]") + "merchants = [\"ghost\"]\n",
     "routes[0].merchants[0]: \"ghost\" is not the id of a merchant"},
    {"FeeOverrideUnknownChannel",
     shop_merchant + "[[merchants.fees.overrides]]\nchannel = \"nope\"\n",
     "merchants[0].fees.overrides[0].channel: \"nope\" is not the id of a channel"},
    {"FeeOverrideNeitherBrandNorChannel",
     shop_merchant + "[[merchants.fees.overrides]]\nbasis_points = 1\n",
     "merchants[0].fees.overrides[0].brand: a fee override names exactly one of brand and channel"},
    {"FeeOverrideBothBrandAndChannel",
     bank_channel + shop_merchant +
         "[[merchants.fees.overrides]]\nbrand = \"visa\"\nchannel = \"bank\"\n",
     "merchants[0].fees.overrides[0].channel: a fee override names exactly one"},
    {"DuplicateChannelId", bank_channel + bank_channel,
     "channels[1].id: \"bank\" is already used by channels[0]"},
    {"DuplicateRouteId", bank_channel + route_to("[\"bank\"]") + route_to("[\"bank\"]"),
     "routes[1].id: \"r1\" is already used by routes[0]"},
    {"DuplicateMerchantId",
     shop_merchant + "[[merchants]]\nid = \"m1\"\nname = \"B\"\nmcc = \"5999\"\n",
     "merchants[1].id: \"m1\" is already used by merchants[0]"},
    {"DuplicateKeyIdAcrossMerchants",
     shop_merchant + "[[merchants]]\nid = \"m2\"\nname = \"B\"\nmcc = \"5999\"\n"
                     "[[merchants.api_keys]]\nid = \"k1\"\nsecret = \"env:KEY2\"\n",
     "merchants[1].api_keys[0].id: \"k1\" is already used by merchant \"m1\""},
    {"ThreeActiveKeys",
     shop_merchant + "[[merchants.api_keys]]\nid = \"k2\"\nsecret = \"env:KEY2\"\n"
                     "[[merchants.api_keys]]\nid = \"k3\"\nsecret = \"env:KEY3\"\n",
     "merchants[0].api_keys: 3 keys are active, above the maximum 2"},
    {"MacKeyOnHttpChannel", wallet_channel + "mac_key = \"m\"\n",
     "channels[0].mac_key: only iso8583 channels take this key"},
    {"BaseUrlOnIsoChannel", bank_channel + "base_url = \"http://x\"\n",
     "channels[0].base_url: only http channels take this key"},
    {"MutualTlsWithoutKey",
     bank_channel + "[channels.tls]\nenabled = true\ncertificate_path = \"c\"\n",
     "channels[0].tls.certificate_path: mutual TLS needs both certificate_path and key_path"},
    {"TlsFilesWhileDisabled", bank_channel + "[channels.tls]\nca_path = \"ca\"\n",
     "channels[0].tls.enabled: TLS files are set but enabled is not true"},
};

INSTANTIATE_TEST_SUITE_P(Paths, ConfigDiagnostics, ::testing::ValuesIn(cases),
                         [](const auto& test_info) { return std::string(test_info.param.name); });

// Cases whose base is not `minimal`, or that check more than one line.
TEST(ConfigDiagnostic, ReportsMissingRequiredSections) {
  const auto outcome = test::load("[workers]\ncount = 1\n");
  EXPECT_THAT(test::lines(outcome),
              ::testing::Contains("t.toml:1:1: tls: is required but missing"));
  EXPECT_THAT(test::lines(outcome),
              ::testing::Contains("t.toml:1:1: hsm: is required but missing"));
}

TEST(ConfigDiagnostic, RejectsTlsOlderThan12) {
  const auto outcome = test::load(
      "[tls]\ncertificate_path = \"c\"\nkey_path = \"k\"\nmin_version = \"1.1\"\n"
      "[hsm]\nbackend = \"soft\"\n[hsm.soft]\nkey_store_path = \"k\"\nmaster_key = "
      "\"env:MASTER\"\n");
  EXPECT_THAT(
      test::lines(outcome),
      ::testing::Contains("t.toml:4:15: tls.min_version: \"1.1\" is not one of \"1.2\" \"1.3\""));
}

TEST(ConfigDiagnostic, RejectsListenersSharingAPort) {
  const auto outcome = test::load(minimal +
                                  "[listeners.merchant_api]\naddress = \"0.0.0.0\"\nport = 9000\n"
                                  "[listeners.admin]\naddress = \"0.0.0.0\"\nport = 9000\n");
  EXPECT_THAT(test::lines(outcome), ::testing::Contains(::testing::HasSubstr(
                                        "listeners.admin.port: 9000 is already the port of "
                                        "listeners.merchant_api")));
}

TEST(ConfigDiagnostic, ReportsATableOfTheWrongType) {
  const auto outcome = test::load("storage = 3\nchannels = [1]\n" + minimal);
  EXPECT_THAT(test::lines(outcome), ::testing::Contains("t.toml:1:11: storage: 3 is an integer, "
                                                        "expected a table"));
  EXPECT_THAT(test::lines(outcome), ::testing::Contains("t.toml:2:13: channels[0]: 1 is an "
                                                        "integer, expected a table"));
}

const std::string tls_only = "[tls]\ncertificate_path = \"c\"\nkey_path = \"k\"\n";

TEST(ConfigDiagnostic, RejectsUnknownHsmBackendAndTheOtherBackendsSection) {
  auto outcome = test::load(tls_only + "[hsm]\nbackend = \"cloud\"\n");
  EXPECT_THAT(test::lines(outcome),
              ::testing::Contains(::testing::HasSubstr(
                  "hsm.backend: \"cloud\" is not one of \"soft\" \"pkcs11\"")));
  outcome = test::load(minimal + "[hsm.pkcs11]\nmodule_path = \"m.so\"\n");
  EXPECT_THAT(
      test::lines(outcome),
      ::testing::Contains(::testing::HasSubstr("hsm.pkcs11: is set, but backend is \"soft\"")));
}

TEST(ConfigDiagnostic, ReadsPanKeyNamesAndRejectsBadOnes) {
  auto outcome = test::load(tls_only +
                            "[hsm]\nbackend = \"soft\"\npan_token_key = \"tok-2\"\n"
                            "pan_data_key = \"bad name\"\n[hsm.soft]\nkey_store_path = \"k\"\n"
                            "master_key = \"env:MASTER\"\n");
  EXPECT_THAT(test::lines(outcome),
              ::testing::Contains(::testing::HasSubstr("hsm.pan_data_key: \"bad name\"")));
  EXPECT_THAT(test::lines(outcome),
              ::testing::Each(::testing::Not(::testing::HasSubstr("pan_token_key"))));
}

TEST(ConfigDiagnostic, RejectsSecretsLongerThanTheirMaximum) {
  auto outcome = test::load(tls_only +
                            "[hsm]\nbackend = \"pkcs11\"\n[hsm.pkcs11]\nmodule_path = \"m\"\n"
                            "slot = 1\npin = \"" +
                            std::string(256, 'p') + "\"\n");
  EXPECT_THAT(test::lines(outcome),
              ::testing::Contains(::testing::HasSubstr(
                  "hsm.pkcs11.pin: the inline secret is longer than the maximum 255 bytes")));
  outcome = test::load(tls_only +
                           "[hsm]\nbackend = \"pkcs11\"\n[hsm.pkcs11]\nmodule_path = \"m\"\n"
                           "slot = 1\npin = \"env:LONG\"\n",
                       test::fake_context({{"LONG", std::string(256, 'p')}}));
  EXPECT_THAT(test::lines(outcome),
              ::testing::Contains(
                  ::testing::HasSubstr("hsm.pkcs11.pin: env:LONG is longer than the maximum 255")));
  EXPECT_THAT(test::lines(outcome), ::testing::Each(::testing::Not(::testing::HasSubstr("ppp"))));
}

TEST(ConfigDiagnostic, ChecksPkcs11TokenChoice) {
  const std::string base = tls_only +
                           "[hsm]\nbackend = \"pkcs11\"\n[hsm.pkcs11]\n"
                           "module_path = \"/usr/lib/softhsm/libsofthsm2.so\"\npin = \"env:PIN\"\n";
  auto outcome = test::load(base + "slot = 0\n");
  ASSERT_TRUE(outcome.ok()) << ::testing::PrintToString(test::lines(outcome));
  EXPECT_EQ(outcome.config->hsm.pkcs11.slot, 0);
  EXPECT_EQ(outcome.config->hsm.pkcs11.pin.value(), "1234");
  outcome = test::load(base + "slot = 0\ntoken_label = \"sy\"\n");
  EXPECT_THAT(test::lines(outcome),
              ::testing::Contains(::testing::HasSubstr(
                  "hsm.pkcs11.token_label: a PKCS#11 token is chosen by exactly "
                  "one of slot and token_label")));
  outcome = test::load(base);
  EXPECT_THAT(test::lines(outcome),
              ::testing::Contains(::testing::HasSubstr("hsm.pkcs11.slot: a PKCS#11 token")));
}

TEST(ConfigDiagnostic, RejectsNonDigitAcquirerId) {
  const auto outcome =
      test::load(minimal +
                 "[[channels]]\nid = \"b\"\nkind = \"iso8583\"\nendpoints = [\"h:1\"]\n"
                 "acquirer_id = \"12a\"\nterminal_id = \"T\"\ncard_acceptor_id = \"C\"\n");
  EXPECT_THAT(test::lines(outcome),
              ::testing::Contains(::testing::HasSubstr(
                  "channels[0].acquirer_id: \"12a\" is not 1 to 11 digits (DE 32)")));
}

}  // namespace
}  // namespace sy::config
