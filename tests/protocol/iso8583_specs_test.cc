// The shipped specs as data: the 1987 spec matches the elements table of specs/bank-link.md
// exactly, and the 1993 spec carries its own directory.
#include "protocol/iso8583/specs.h"

#include <gtest/gtest.h>

namespace sy::protocol::iso8583 {
namespace {

struct expected_element {
  std::size_t field;
  length_type length;
  content kind;
  std::uint16_t length_max;
};

// specs/bank-link.md, "Elements used" (b64 is 8 bytes: b lengths count bytes).
constexpr expected_element bank_link_elements[] = {
    {2, length_type::llvar, content::n, 19},    {3, length_type::fixed, content::n, 6},
    {4, length_type::fixed, content::n, 12},    {7, length_type::fixed, content::n, 10},
    {11, length_type::fixed, content::n, 6},    {12, length_type::fixed, content::n, 6},
    {13, length_type::fixed, content::n, 4},    {14, length_type::fixed, content::n, 4},
    {18, length_type::fixed, content::n, 4},    {22, length_type::fixed, content::n, 3},
    {25, length_type::fixed, content::n, 2},    {32, length_type::llvar, content::n, 11},
    {37, length_type::fixed, content::an, 12},  {38, length_type::fixed, content::an, 6},
    {39, length_type::fixed, content::an, 2},   {41, length_type::fixed, content::ans, 8},
    {42, length_type::fixed, content::ans, 15}, {43, length_type::fixed, content::ans, 40},
    {49, length_type::fixed, content::n, 3},    {52, length_type::fixed, content::b, 8},
    {64, length_type::fixed, content::b, 8},    {70, length_type::fixed, content::n, 3},
    {90, length_type::fixed, content::n, 42},   {128, length_type::fixed, content::b, 8},
};

TEST(Iso8583Specs, Iso87MatchesTheBankLinkElementsTable) {
  const message_spec& spec = iso87();
  EXPECT_EQ(spec.mti, mti_encoding::ascii);
  EXPECT_EQ(spec.bitmap, bitmap_encoding::binary);
  EXPECT_TRUE(spec.has_secondary_bitmap());
  for (const expected_element& e : bank_link_elements) {
    const field_def& f = spec.fields[e.field];
    EXPECT_EQ(f.length, e.length) << "DE " << e.field;
    EXPECT_EQ(f.kind, e.kind) << "DE " << e.field;
    EXPECT_EQ(f.length_max, e.length_max) << "DE " << e.field;
    EXPECT_EQ(f.prefix, prefix_encoding::ascii) << "DE " << e.field;
    const data_encoding data = e.kind == content::b ? data_encoding::binary : data_encoding::ascii;
    EXPECT_EQ(f.data, data) << "DE " << e.field;
  }
}

TEST(Iso8583Specs, SensitiveElementsAreMarked) {
  for (const message_spec* spec : {&iso87(), &iso93()}) {
    EXPECT_EQ(spec->fields[2].visibility, sensitivity::pan);
    EXPECT_EQ(spec->fields[35].visibility, sensitivity::track);
    EXPECT_EQ(spec->fields[45].visibility, sensitivity::track);
    EXPECT_EQ(spec->fields[52].visibility, sensitivity::secret);
    EXPECT_EQ(spec->fields[64].visibility, sensitivity::clear);
  }
}

TEST(Iso8583Specs, Iso93HasItsOwnLengths) {
  const message_spec& spec = iso93();
  EXPECT_EQ(spec.fields[12].length_max, 12);
  EXPECT_EQ(spec.fields[22].kind, content::an);
  EXPECT_EQ(spec.fields[22].length_max, 12);
  EXPECT_EQ(spec.fields[39].kind, content::n);
  EXPECT_EQ(spec.fields[39].length_max, 3);
  EXPECT_EQ(spec.fields[43].length, length_type::llvar);
  EXPECT_EQ(spec.fields[55].kind, content::b);
}

TEST(Iso8583Specs, FindsSpecsByName) {
  EXPECT_EQ(find_spec("iso87"), &iso87());
  EXPECT_EQ(find_spec("iso93"), &iso93());
  EXPECT_EQ(find_spec("iso2003"), nullptr);
}

TEST(Iso8583Specs, WithEncodingsReencodesEveryElement) {
  const message_spec bcd =
      with_encodings(iso87(), "bcd", mti_encoding::bcd, bitmap_encoding::hex, data_encoding::bcd,
                     data_encoding::ebcdic, data_encoding::binary, prefix_encoding::binary);
  EXPECT_EQ(bcd.mti, mti_encoding::bcd);
  EXPECT_EQ(bcd.bitmap, bitmap_encoding::hex);
  EXPECT_EQ(bcd.fields[2].data, data_encoding::bcd);
  EXPECT_EQ(bcd.fields[35].data, data_encoding::bcd);
  EXPECT_EQ(bcd.fields[41].data, data_encoding::ebcdic);
  EXPECT_EQ(bcd.fields[52].data, data_encoding::binary);
  EXPECT_EQ(bcd.fields[2].prefix, prefix_encoding::binary);
  EXPECT_EQ(bcd.fields[2].length_max, 19);
}

}  // namespace
}  // namespace sy::protocol::iso8583
