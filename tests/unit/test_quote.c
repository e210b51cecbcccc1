/* Quoting bytes for JSON, CSV and text output, and UTF-8 validation. */
#include <stddef.h>
#include <string.h>

#include "base/quote.h"
#include "tests/unit/unit.h"

typedef int quoter(struct strbuf *, const char *);

/* What each quoting function makes of a name. */
static const struct quote_case {
	quoter *q;
	const char *in, *want;
} cases[] = {
	{ quote_json, "plain.jpg", "\"plain.jpg\"" },
	{ quote_json, "a\"b\\c", "\"a\\\"b\\\\c\"" },
	{ quote_json, "new\nline\ttab\r", "\"new\\nline\\ttab\\r\"" },
	{ quote_json, "\x01", "\"\\u0001\"" },
	{ quote_json, "caf\xc3\xa9", "\"caf\xc3\xa9\"" },           /* valid UTF-8 kept */
	{ quote_json, "\xff\xfe", "\"\\udcff\\udcfe\"" },           /* surrogateescape */
	{ quote_json, "\xc3", "\"\\udcc3\"" },                      /* cut sequence */
	{ quote_json, "\xed\xa0\x80", "\"\\udced\\udca0\\udc80\"" }, /* encoded surrogate */
	{ quote_json, "\xc0\xaf", "\"\\udcc0\\udcaf\"" },           /* overlong '/' */
	{ quote_csv, "a.jpg", "a.jpg" },
	{ quote_csv, "a,b.jpg", "\"a,b.jpg\"" },
	{ quote_csv, "say \"hi\".jpg", "\"say \"\"hi\"\".jpg\"" },
	{ quote_csv, "new\nline", "\"new\nline\"" },
	{ quote_csv, " lead", "\" lead\"" },
	{ quote_csv, "", "" },
	{ quote_c, "train/cats/a b.jpg", "train/cats/a b.jpg" },
	{ quote_c, "caf\xc3\xa9", "caf\xc3\xa9" },
	{ quote_c, "new\nline", "\"new\\nline\"" },
	{ quote_c, "q\"uote", "\"q\\\"uote\"" },
	{ quote_c, "\xff.jpg", "\"\\377.jpg\"" },
	{ quote_c, "bell\a", "\"bell\\007\"" },
};

/* Checks every case of q; returns how many there were. */
static int check_cases(quoter *q)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb = STRBUF_INIT;

		if (cases[i].q != q)
			continue;
		assert_int_equal(q(&sb, cases[i].in), 0);
		assert_string_equal(sb.buf, cases[i].want);
		strbuf_release(&sb);
		n++;
	}
	return n;
}

UNIT_TEST(test_json)
{
	assert_int_equal(check_cases(quote_json), 9);
}

UNIT_TEST(test_csv)
{
	assert_int_equal(check_cases(quote_csv), 6);
}

UNIT_TEST(test_c)
{
	assert_int_equal(check_cases(quote_c), 6);
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
