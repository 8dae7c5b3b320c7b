// Framing pipelined HTTP/1.1 answers: complete, incomplete, several in one read, the server's
// `Connection: close`, and what the driver refuses to read.
#include "bench/load/response_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace sy::load {
namespace {

const std::string created =
    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\ncontent-length: 5\r\n\r\nhello";

TEST(ResponseParser, ReadsACompleteAnswer) {
  response_head head;
  ASSERT_EQ(parse_response(created, head), parse_result::complete);
  EXPECT_EQ(head.status, 201);
  EXPECT_EQ(head.body_size, 5u);
  EXPECT_EQ(head.size, created.size());
  EXPECT_FALSE(head.close);
}

TEST(ResponseParser, WaitsForTheRestOfAnAnswer) {
  response_head head;
  for (std::size_t cut = 0; cut < created.size(); ++cut) {
    EXPECT_EQ(parse_response(created.substr(0, cut), head), parse_result::incomplete) << cut;
  }
}

TEST(ResponseParser, FramesPipelinedAnswersOneAfterAnother) {
  const std::string two =
      created + "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n";
  response_head head;
  ASSERT_EQ(parse_response(two, head), parse_result::complete);
  EXPECT_EQ(head.status, 201);
  ASSERT_EQ(parse_response(std::string_view(two).substr(head.size), head), parse_result::complete);
  EXPECT_EQ(head.status, 503);
  EXPECT_EQ(head.body_size, 0u);
}

TEST(ResponseParser, NoticesConnectionClose) {
  response_head head;
  ASSERT_EQ(parse_response("HTTP/1.1 400 Bad Request\r\nConnection: Close\r\nContent-Length: "
                           "2\r\n\r\n{}",
                           head),
            parse_result::complete);
  EXPECT_TRUE(head.close);
}

TEST(ResponseParser, RefusesWhatIsNotAnAnswerItCanFrame) {
  response_head head;
  for (const std::string& bad : {
           std::string("GET / HTTP/1.1\r\n\r\n"),
           std::string("HTTP/1.1 2x1 OK\r\n\r\n"),
           std::string("HTTP/1.1 099 Low\r\n\r\n"),
           std::string("HTTP/1.1 600 High\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nno colon\r\n\r\n"),
           std::string(response_head_size_max + 1, 'x'),
       }) {
    EXPECT_EQ(parse_response(bad, head), parse_result::malformed) << bad.substr(0, 60);
  }
}

}  // namespace
}  // namespace sy::load
