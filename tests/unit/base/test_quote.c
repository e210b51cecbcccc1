/* Quoting bytes for JSON, CSV and text output, and UTF-8 validation. */
#include <stddef.h>
#include <string.h>

#include "base/quote.h"
#include "tests/unit/unit.h"

static void check(int (*q)(struct strbuf *, const char *), const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(q(&sb, in), 0);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

UNIT_TEST(test_json)
{
	check(quote_json, "plain.jpg", "\"plain.jpg\"");
	check(quote_json, "a\"b\\c", "\"a\\\"b\\\\c\"");
	check(quote_json, "new\nline\ttab\r", "\"new\\nline\\ttab\\r\"");
	check(quote_json, "\x01", "\"\\u0001\"");
	check(quote_json, "caf\xc3\xa9", "\"caf\xc3\xa9\"");           /* valid UTF-8 kept */
	check(quote_json, "\xff\xfe", "\"\\udcff\\udcfe\"");           /* surrogateescape */
	check(quote_json, "\xc3", "\"\\udcc3\"");                      /* cut sequence */
	check(quote_json, "\xed\xa0\x80", "\"\\udced\\udca0\\udc80\""); /* encoded surrogate */
	check(quote_json, "\xc0\xaf", "\"\\udcc0\\udcaf\"");           /* overlong '/' */
}

UNIT_TEST(test_csv)
{
	check(quote_csv, "a.jpg", "a.jpg");
	check(quote_csv, "a,b.jpg", "\"a,b.jpg\"");
	check(quote_csv, "say \"hi\".jpg", "\"say \"\"hi\"\".jpg\"");
	check(quote_csv, "new\nline", "\"new\nline\"");
	check(quote_csv, " lead", "\" lead\"");
	check(quote_csv, "", "");
}

UNIT_TEST(test_c)
{
	check(quote_c, "train/cats/a b.jpg", "train/cats/a b.jpg");
	check(quote_c, "caf\xc3\xa9", "caf\xc3\xa9");
	check(quote_c, "new\nline", "\"new\\nline\"");
	check(quote_c, "q\"uote", "\"q\\\"uote\"");
	check(quote_c, "\xff.jpg", "\"\\377.jpg\"");
	check(quote_c, "bell\a", "\"bell\\007\"");
}

UNIT_TEST(test_utf8)
{
	assert_int_equal(utf8_valid_len((const unsigned char *)"a"), 1);
	assert_int_equal(utf8_valid_len((const unsigned char *)"\xc3\xa9"), 2);
	assert_int_equal(utf8_valid_len((const unsigned char *)"\xe2\x82\xac"), 3);
	assert_int_equal(utf8_valid_len((const unsigned char *)"\xf0\x9f\x98\x80"), 4);
	assert_int_equal(utf8_valid_len((const unsigned char *)"\xf4\x90\x80\x80"), 0);
	assert_int_equal(utf8_valid_len((const unsigned char *)"\xe0\x80\x80"), 0);
	assert_int_equal(utf8_valid_len((const unsigned char *)"\x80"), 0);
	assert_int_equal(utf8_valid_len((const unsigned char *)"\xe2\x82"), 0);
}
