#include "protocol/merchant_requests.h"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <string>

namespace sy::protocol {
namespace {

namespace json = boost::json;

constexpr std::string_view valid_card_body =
    R"({"amount":1099,"currency":"CNY","merchant_reference":"order-123",)"
    R"("payment_method":{"type":"card","card":{"number":"4111111111111111","exp_month":12,)"
    R"("exp_year":2030,"cvc":"123","holder_name":"Li Lei"}},"capture":false,)"
    R"("description":"two teas","metadata":{"table":"7","cashier":"wang"}})";

// The valid body with `edit` applied to its parsed form.
template <class Edit>
std::string edited(Edit edit) {
  json::value body = json::parse(valid_card_body);
  edit(body.as_object());
  return json::serialize(body);
}

json::object& card_of(json::object& body) {
  return body["payment_method"].as_object()["card"].as_object();
}

template <class T>
void expect_error(const result<T, api_error>& parsed, api_errc code, std::string_view param) {
  ASSERT_FALSE(parsed.has_value()) << "expected " << to_string(code);
  EXPECT_EQ(to_string(parsed.error().code), to_string(code)) << parsed.error().message;
  EXPECT_EQ(parsed.error().param, param) << parsed.error().message;
}

TEST(MerchantRequests, ParsesAFullCardPayment) {
  const auto parsed = parse_create_payment(valid_card_body);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->amount.amount, 1099);
  EXPECT_EQ(parsed->amount.currency.code(), "CNY");
  EXPECT_EQ(parsed->merchant_reference, "order-123");
  EXPECT_FALSE(parsed->capture);
  EXPECT_EQ(parsed->description, "two teas");
  const auto& card = std::get<card_details>(parsed->payment_method);
  EXPECT_EQ(card.number, "4111111111111111");
  EXPECT_EQ(card.exp_month, 12);
  EXPECT_EQ(card.exp_year, 2030);
  EXPECT_EQ(card.cvc, "123");
  EXPECT_EQ(card.holder_name, "Li Lei");
}

TEST(MerchantRequests, MetadataIsSortedByKey) {
  const auto parsed = parse_create_payment(valid_card_body);
  ASSERT_TRUE(parsed.has_value());
  const metadata_map expected{{"cashier", "wang"}, {"table", "7"}};
  EXPECT_EQ(parsed->metadata, expected);
}

TEST(MerchantRequests, DefaultsOfOptionalParameters) {
  const auto parsed = parse_create_payment(edited([](json::object& body) {
    body.erase("capture");
    body.erase("description");
    body.erase("metadata");
    card_of(body).erase("cvc");
    card_of(body).erase("holder_name");
  }));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_TRUE(parsed->capture);
  EXPECT_FALSE(parsed->description.has_value());
  EXPECT_TRUE(parsed->metadata.empty());
  EXPECT_FALSE(std::get<card_details>(parsed->payment_method).cvc.has_value());
}

TEST(MerchantRequests, NullCountsAsAbsent) {
  const auto parsed = parse_create_payment(edited([](json::object& body) {
    body["description"] = nullptr;
    body["capture"] = nullptr;
  }));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_FALSE(parsed->description.has_value());
  EXPECT_TRUE(parsed->capture);
  expect_error(parse_create_payment(edited([](json::object& body) { body["amount"] = nullptr; })),
               api_errc::parameter_missing, "amount");
}

TEST(MerchantRequests, ParsesAWalletPayment) {
  const auto parsed = parse_create_payment(
      R"({"amount":500,"currency":"JPY","merchant_reference":"r",)"
      R"("payment_method":{"type":"wallet","wallet":{"provider":"alipay","account":"u@x.cn"}}})");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  const auto& wallet = std::get<wallet_details>(parsed->payment_method);
  EXPECT_EQ(wallet.provider, "alipay");
  EXPECT_EQ(wallet.account, "u@x.cn");
}

TEST(MerchantRequests, RequestRoundTripsThroughJson) {
  const auto parsed = parse_create_payment(valid_card_body);
  ASSERT_TRUE(parsed.has_value());
  const auto again = parse_create_payment(to_json(*parsed));
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(*again, *parsed);
}

TEST(MerchantRequests, MissingRequiredParameters) {
  for (const char* key : {"amount", "currency", "merchant_reference", "payment_method"}) {
    expect_error(parse_create_payment(edited([&](json::object& body) { body.erase(key); })),
                 api_errc::parameter_missing, key);
  }
  for (const char* key : {"number", "exp_month", "exp_year"}) {
    expect_error(
        parse_create_payment(edited([&](json::object& body) { card_of(body).erase(key); })),
        api_errc::parameter_missing, std::string("payment_method.card.") + key);
  }
}

TEST(MerchantRequests, UnknownFieldsAreNamed) {
  expect_error(parse_create_payment(edited([](json::object& body) { body["amout"] = 1; })),
               api_errc::parameter_unknown, "amout");
  expect_error(
      parse_create_payment(edited([](json::object& body) { card_of(body)["pin"] = "1234"; })),
      api_errc::parameter_unknown, "payment_method.card.pin");
  expect_error(parse_create_payment(edited([](json::object& body) {
                 body["payment_method"].as_object()["wallet"] = json::object{};
               })),
               api_errc::parameter_unknown, "payment_method.wallet");
}

TEST(MerchantRequests, UnknownKeyThatLooksLikeAPanIsMasked) {
  const auto parsed =
      parse_create_payment(edited([](json::object& body) { body["4111111111111111"] = 1; }));
  expect_error(parsed, api_errc::parameter_unknown, "411111******1111");
  EXPECT_EQ(parsed.error().message.find("4111111111111111"), std::string::npos);
}

TEST(MerchantRequests, DuplicateKeysAreRejectedWithTheirPath) {
  expect_error(parse_create_payment(R"({"amount":1,"amount":2})"), api_errc::parameter_duplicate,
               "amount");
  expect_error(parse_create_payment(
                   R"({"payment_method":{"type":"card","card":{"number":"4111111111111111",)"
                   R"("number":"4000000000000002"}}})"),
               api_errc::parameter_duplicate, "payment_method.card.number");
  // The same key in sibling objects is not a duplicate.
  EXPECT_TRUE(parse_create_payment(edited([](json::object& body) {
                body["metadata"].as_object()["amount"] = "x";
              })).has_value());
}

TEST(MerchantRequests, WrongTypes) {
  const struct {
    const char* key;
    json::value value;
  } cases[] = {
      {"amount", "1099"},         {"amount", 10.99},  {"amount", 1e3},
      {"amount", true},           {"currency", 156},  {"merchant_reference", 5},
      {"capture", "yes"},         {"description", 1}, {"metadata", json::array{}},
      {"payment_method", "card"},
  };
  for (const auto& c : cases) {
    expect_error(parse_create_payment(edited([&](json::object& body) { body[c.key] = c.value; })),
                 api_errc::parameter_invalid_type, c.key);
  }
  expect_error(
      parse_create_payment(edited([](json::object& body) { card_of(body)["number"] = 4111; })),
      api_errc::parameter_invalid_type, "payment_method.card.number");
  expect_error(parse_create_payment(edited([](json::object& body) { card_of(body)["cvc"] = 123; })),
               api_errc::parameter_invalid_type, "payment_method.card.cvc");
  expect_error(
      parse_create_payment(edited([](json::object& body) { card_of(body)["exp_month"] = "12"; })),
      api_errc::parameter_invalid_type, "payment_method.card.exp_month");
  expect_error(parse_create_payment(edited([](json::object& body) {
                 body["payment_method"].as_object()["card"] = "4111111111111111";
               })),
               api_errc::parameter_invalid_type, "payment_method.card");
}

TEST(MerchantRequests, AmountBounds) {
  const struct {
    json::value amount;
    api_errc code;
  } cases[] = {
      {0, api_errc::amount_too_small},
      {-1, api_errc::amount_too_small},
      {1'000'000'000'000, api_errc::amount_too_large},
      {std::numeric_limits<std::int64_t>::max(), api_errc::amount_too_large},
      {std::numeric_limits<std::uint64_t>::max(), api_errc::amount_too_large},
  };
  for (const auto& c : cases) {
    expect_error(
        parse_create_payment(edited([&](json::object& body) { body["amount"] = c.amount; })),
        c.code, "amount");
  }
  EXPECT_TRUE(parse_create_payment(edited([](json::object& body) {
                body["amount"] = 999'999'999'999;
              })).has_value());
}

TEST(MerchantRequests, HugeAndFloatNumbersAreRejected) {
  std::string body(valid_card_body);
  body.replace(body.find("1099"), 4, "123456789012345678901234567890");
  expect_error(parse_create_payment(body), api_errc::parameter_invalid_type, "amount");
  body = valid_card_body;
  body.replace(body.find("1099"), 4, "1099.0");
  expect_error(parse_create_payment(body), api_errc::parameter_invalid_type, "amount");
  body = valid_card_body;
  body.replace(body.find("1099"), 4, "1e400");
  const auto parsed = parse_create_payment(body);
  ASSERT_FALSE(parsed.has_value());
}

TEST(MerchantRequests, CurrencyMustBeAnActiveUpperCaseCode) {
  for (const char* code : {"cny", "XAU", "ABC", "CN", "", "CNYY"}) {
    const auto parsed =
        parse_create_payment(edited([&](json::object& body) { body["currency"] = code; }));
    ASSERT_FALSE(parsed.has_value()) << code;
    EXPECT_EQ(parsed.error().param, "currency");
  }
  expect_error(parse_create_payment(edited([](json::object& body) { body["currency"] = "cny"; })),
               api_errc::currency_invalid, "currency");
}

TEST(MerchantRequests, CardNumberErrorsNeverEchoTheNumber) {
  for (const char* number :
       {"4111111111111112", "4111-1111-1111-1111", "41111111111", "41111111111111111111", ""}) {
    const auto parsed =
        parse_create_payment(edited([&](json::object& body) { card_of(body)["number"] = number; }));
    ASSERT_FALSE(parsed.has_value()) << number;
    EXPECT_EQ(parsed.error().param, "payment_method.card.number");
    if (*number != '\0') {
      EXPECT_EQ(parsed.error().message.find(number), std::string::npos);
      EXPECT_EQ(to_json(parsed.error()).find("1111111111"), std::string::npos);
    }
  }
  const auto luhn = parse_create_payment(
      edited([](json::object& body) { card_of(body)["number"] = "4111111111111112"; }));
  expect_error(luhn, api_errc::invalid_number, "payment_method.card.number");
  EXPECT_NE(luhn.error().message.find("Luhn"), std::string::npos);
}

TEST(MerchantRequests, ExpiryIsCheckedForFormatOnly) {
  for (const int month : {0, 13, -1}) {
    expect_error(parse_create_payment(
                     edited([&](json::object& body) { card_of(body)["exp_month"] = month; })),
                 api_errc::invalid_expiry_month, "payment_method.card.exp_month");
  }
  for (const int year : {30, 999, 10000}) {
    expect_error(
        parse_create_payment(edited([&](json::object& body) { card_of(body)["exp_year"] = year; })),
        api_errc::invalid_expiry_year, "payment_method.card.exp_year");
  }
  // An expired card parses: expiry is the issuer's decline (expired_card), not a 400.
  EXPECT_TRUE(parse_create_payment(edited([](json::object& body) {
                card_of(body)["exp_year"] = 2001;
              })).has_value());
}

TEST(MerchantRequests, CvcIsThreeOrFourDigitsAndNeverEchoed) {
  for (const std::string cvc : {"97", "97531", "97a", ""}) {
    const auto parsed =
        parse_create_payment(edited([&](json::object& body) { card_of(body)["cvc"] = cvc; }));
    expect_error(parsed, api_errc::invalid_cvc, "payment_method.card.cvc");
    if (!cvc.empty() && !parsed) {
      EXPECT_EQ(to_json(parsed.error()).find(cvc), std::string::npos) << to_json(parsed.error());
    }
  }
  EXPECT_TRUE(parse_create_payment(edited([](json::object& body) {
                card_of(body)["cvc"] = "1234";
              })).has_value());
}

TEST(MerchantRequests, AnEmptyDescriptionIsAccepted) {
  const auto parsed =
      parse_create_payment(edited([](json::object& body) { body["description"] = ""; }));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->description, "");
}

TEST(MerchantRequests, TextBounds) {
  expect_error(
      parse_create_payment(edited([](json::object& body) { body["merchant_reference"] = ""; })),
      api_errc::parameter_invalid_empty, "merchant_reference");
  expect_error(parse_create_payment(edited(
                   [](json::object& body) { body["merchant_reference"] = std::string(65, 'r'); })),
               api_errc::parameter_too_long, "merchant_reference");
  // 64 characters of three bytes each are still 64 characters.
  std::string chinese;
  for (int i = 0; i < 64; ++i) chinese += "\xe8\xae\xa2";
  EXPECT_TRUE(parse_create_payment(edited([&](json::object& body) {
                body["merchant_reference"] = chinese;
              })).has_value());
  expect_error(parse_create_payment(
                   edited([](json::object& body) { body["description"] = std::string(256, 'd'); })),
               api_errc::parameter_too_long, "description");
  expect_error(parse_create_payment(edited([](json::object& body) {
                 card_of(body)["holder_name"] = std::string(101, 'h');
               })),
               api_errc::parameter_too_long, "payment_method.card.holder_name");
  expect_error(
      parse_create_payment(edited([](json::object& body) { body["merchant_reference"] = "a\nb"; })),
      api_errc::parameter_invalid_value, "merchant_reference");
}

TEST(MerchantRequests, MetadataBounds) {
  expect_error(parse_create_payment(edited([](json::object& body) {
                 auto& metadata = body["metadata"].as_object();
                 for (int i = 0; i < 21; ++i) metadata["k" + std::to_string(i)] = "v";
               })),
               api_errc::metadata_too_many, "metadata");
  expect_error(parse_create_payment(edited([](json::object& body) {
                 body["metadata"].as_object()[std::string(41, 'k')] = "v";
               })),
               api_errc::parameter_invalid_value, "metadata." + std::string(41, 'k'));
  expect_error(parse_create_payment(edited([](json::object& body) {
                 body["metadata"].as_object()["k"] = std::string(501, 'v');
               })),
               api_errc::parameter_too_long, "metadata.k");
  expect_error(parse_create_payment(
                   edited([](json::object& body) { body["metadata"].as_object()["n"] = 5; })),
               api_errc::parameter_invalid_type, "metadata.n");
  expect_error(parse_create_payment(
                   edited([](json::object& body) { body["metadata"].as_object()["n"] = nullptr; })),
               api_errc::parameter_invalid_type, "metadata.n");
  expect_error(parse_create_payment(
                   edited([](json::object& body) { body["metadata"].as_object()[""] = "v"; })),
               api_errc::parameter_invalid_value, "metadata.");
  EXPECT_TRUE(parse_create_payment(edited([](json::object& body) {
                auto& metadata = body["metadata"].as_object();
                for (int i = 0; i < 18; ++i) metadata["k" + std::to_string(i)] = "";
              })).has_value());
}

TEST(MerchantRequests, PaymentMethodType) {
  expect_error(parse_create_payment(edited([](json::object& body) {
                 body["payment_method"].as_object()["type"] = "cash";
               })),
               api_errc::parameter_invalid_value, "payment_method.type");
  expect_error(
      parse_create_payment(
          R"({"amount":5,"currency":"JPY","merchant_reference":"r",)"
          R"("payment_method":{"type":"wallet","wallet":{"provider":"Ali Pay","account":"a"}}})"),
      api_errc::parameter_invalid_value, "payment_method.wallet.provider");
  expect_error(parse_create_payment(R"({"amount":5,"currency":"JPY","merchant_reference":"r",)"
                                    R"("payment_method":{"type":"wallet"}})"),
               api_errc::parameter_missing, "payment_method.wallet");
}

TEST(MerchantRequests, MalformedJsonIsJsonInvalid) {
  for (const char* body : {"", "{", "[]", "null", "\"x\"", "{\"amount\":}", "{} {}", "{}x",
                           "{\"a\":1,}", "{'a':1}", "{\"a\":\"\xff\"}", "{\"amount\":1 // c\n}"}) {
    const auto parsed = parse_create_payment(body);
    ASSERT_FALSE(parsed.has_value()) << body;
    EXPECT_EQ(parsed.error().code, api_errc::json_invalid) << body;
    EXPECT_TRUE(parsed.error().param.empty());
  }
}

TEST(MerchantRequests, TrailingWhitespaceIsFine) {
  EXPECT_TRUE(parse_capture(" {} \r\n").has_value());
}

TEST(MerchantRequests, DepthBombIsRejected) {
  const std::string bomb = std::string(10000, '[') + std::string(10000, ']');
  expect_error(parse_create_payment(bomb), api_errc::json_invalid, "");
  std::string nested = R"({"metadata":)";
  for (int i = 0; i < 20; ++i) nested += R"({"a":)";
  nested += "1" + std::string(21, '}');
  expect_error(parse_create_payment(nested), api_errc::json_invalid, "");
}

TEST(MerchantRequests, OversizedObjectIsRejected) {
  std::string body = "{";
  for (int i = 0; i < 40; ++i) body += "\"k" + std::to_string(i) + "\":1,";
  body.back() = '}';
  expect_error(parse_create_payment(body), api_errc::json_invalid, "");
}

TEST(MerchantRequests, Capture) {
  const auto all = parse_capture("{}");
  ASSERT_TRUE(all.has_value());
  EXPECT_FALSE(all->amount.has_value());
  const auto part = parse_capture(R"({"amount":500})");
  ASSERT_TRUE(part.has_value());
  EXPECT_EQ(part->amount, 500);
  EXPECT_EQ(*parse_capture(to_json(*part)), *part);
  EXPECT_EQ(*parse_capture(to_json(*all)), *all);
  expect_error(parse_capture(R"({"amount":0})"), api_errc::amount_too_small, "amount");
  expect_error(parse_capture(R"({"amount":"5"})"), api_errc::parameter_invalid_type, "amount");
  expect_error(parse_capture(R"({"currency":"CNY"})"), api_errc::parameter_unknown, "currency");
  expect_error(parse_capture(""), api_errc::json_invalid, "");
}

TEST(MerchantRequests, VoidTakesAnEmptyBodyOrAnEmptyObject) {
  EXPECT_TRUE(parse_void("").has_value());
  EXPECT_TRUE(parse_void(" \n").has_value());
  EXPECT_TRUE(parse_void("{}").has_value());
  expect_error(parse_void(R"({"amount":1})"), api_errc::parameter_unknown, "amount");
  expect_error(parse_void("[]"), api_errc::json_invalid, "");
  expect_error(parse_void("{"), api_errc::json_invalid, "");
}

TEST(MerchantRequests, Refund) {
  const auto parsed = parse_refund(R"({"amount":500,"reason":"customer returned the tea"})");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->amount, 500);
  EXPECT_EQ(parsed->reason, "customer returned the tea");
  EXPECT_EQ(*parse_refund(to_json(*parsed)), *parsed);
  expect_error(parse_refund("{}"), api_errc::parameter_missing, "amount");
  expect_error(parse_refund(R"({"amount":-5})"), api_errc::amount_too_small, "amount");
  expect_error(parse_refund(R"({"amount":5,"reason":7})"), api_errc::parameter_invalid_type,
               "reason");
  expect_error(parse_refund(R"({"amount":5,"reason":")" + std::string(256, 'r') + "\"}"),
               api_errc::parameter_too_long, "reason");
  expect_error(parse_refund(R"({"amount":5,"currency":"CNY"})"), api_errc::parameter_unknown,
               "currency");
}

TEST(MerchantRequests, ListQueryDefaults) {
  const auto parsed = parse_list_query("");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->limit, 10u);
  EXPECT_FALSE(parsed->merchant_reference.has_value());
  EXPECT_FALSE(parsed->starting_after.has_value());
}

TEST(MerchantRequests, ListQueryDecodesPercentAndPlus) {
  const auto parsed =
      parse_list_query("merchant_reference=order%2D1+a%E8%AE%A2&limit=100&starting_after=pay_Ab1");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->merchant_reference, "order-1 a\xe8\xae\xa2");
  EXPECT_EQ(parsed->limit, 100u);
  EXPECT_EQ(parsed->starting_after, "pay_Ab1");
  EXPECT_TRUE(parse_list_query("limit=1&&").has_value());
  EXPECT_TRUE(parse_list_query("%6Cimit=5").has_value());
}

TEST(MerchantRequests, ListQueryErrors) {
  for (const char* limit : {"0", "101", "-1", "ten", "", "1e2", "99999999999999999999999"}) {
    expect_error(parse_list_query(std::string("limit=") + limit), api_errc::parameter_invalid_value,
                 "limit");
  }
  expect_error(parse_list_query("limit"), api_errc::parameter_invalid_value, "limit");
  expect_error(parse_list_query("limit=5&limit=6"), api_errc::parameter_duplicate, "limit");
  expect_error(parse_list_query("expand=data"), api_errc::parameter_unknown, "expand");
  expect_error(parse_list_query("merchant_reference="), api_errc::parameter_invalid_empty,
               "merchant_reference");
  expect_error(parse_list_query("merchant_reference=" + std::string(65, 'r')),
               api_errc::parameter_too_long, "merchant_reference");
  expect_error(parse_list_query("merchant_reference=%ff"), api_errc::parameter_invalid_value,
               "merchant_reference");
  expect_error(parse_list_query("merchant_reference=%0a"), api_errc::parameter_invalid_value,
               "merchant_reference");
  expect_error(parse_list_query("merchant_reference=%4"), api_errc::parameter_invalid_value,
               "merchant_reference");
  expect_error(parse_list_query("merchant_reference=%zz"), api_errc::parameter_invalid_value,
               "merchant_reference");
  for (const char* id : {"re_1", "pay_", "pay_a-b", "x"}) {
    expect_error(parse_list_query(std::string("starting_after=") + id),
                 api_errc::parameter_invalid_value, "starting_after");
  }
  expect_error(parse_list_query("4111111111111111=1"), api_errc::parameter_unknown,
               "411111******1111");
}

}  // namespace
}  // namespace sy::protocol
