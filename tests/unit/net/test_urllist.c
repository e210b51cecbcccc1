/* URL lists: the three layouts, validation with line numbers, duplicates. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/strbuf.h"
#include "net/urllist.h"
#include "tests/fixtures.h"
#include "tests/unit/unit.h"


struct rejects {
	struct strbuf text;
	int n;
};

static void note(const char *list, unsigned line, const char *cause, void *data)
{
	struct rejects *r = data;
	const char *base = strrchr(list, '/');

	strbuf_addf(&r->text, "%s:%u: %s\n", base ? base + 1 : list, line, cause);
	r->n++;
}

static char *put(const char *rel, const char *text)
{
	struct strbuf p = STRBUF_INIT;

	strbuf_addf(&p, "%s/%s", fx_dir, rel);
	fx_write(p.buf, text, strlen(text));
	return strbuf_detach(&p);
}

UNIT_TEST(test_check)
{
	static const struct {
		const char *url;
		const char *why;  /* NULL: accepted; else a prefix of the reason */
	} cases[] = {
		{ "http://example.org/a.jpg", NULL },
		{ "HTTPS://Example.org/x?y=1#z", NULL },
		{ "http://user:pw@host:8080/p", NULL },
		{ "example.org/a.jpg", "no scheme" },
		{ "//example.org/a.jpg", "no scheme" },
		{ "ftp://example.org/a.jpg", "unsupported scheme 'ftp'" },
		{ "file:///etc/passwd", "unsupported scheme 'file'" },
		{ "gopher://x/1", "unsupported scheme 'gopher'" },
		{ "javascript:alert(1)", "unsupported scheme 'javascript'" },
		{ "http:/example.org", "not a web address" },
		{ "http:///path", "no host" },
		{ "http://@/x", "no host" },
		{ "http://a b/c", "contains a space" },
		{ "http://a/\tb", "contains a control character" },
	};
	char big[URL_MAX_BYTES + 32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = urllist_check(cases[i].url, strlen(cases[i].url));

		if (!cases[i].why ? why != NULL : !why || strncmp(why, cases[i].why, strlen(cases[i].why)))
			fail_msg("'%s': got '%s'", cases[i].url, why ? why : "(accepted)");
	}
	memcpy(big, "http://h/", 9);
	memset(big + 9, 'a', sizeof(big) - 10);
	big[sizeof(big) - 1] = '\0';
	assert_string_equal(urllist_check(big, strlen(big)), "longer than 4096 bytes");
}

UNIT_TEST(test_txt_with_rejects_and_duplicates)
{
	char *path = put("list.txt",
			 "# a comment\n"
			 "\n"
			 "  http://a.example/1.jpg  \r\n"
			 "http://a.example/2.jpg\n"
			 "ftp://a.example/3.jpg\n"
			 "http://a.example/1.jpg\n"
			 "not a url at all\n"
			 "https://b.example/4.png\n");
	struct url_list l = { 0 };
	struct rejects r = { STRBUF_INIT, 0 };

	assert_int_equal(urllist_read(path, "neutral", &l, note, &r, NULL), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].url, "http://a.example/1.jpg");
	assert_string_equal(l.v[0].class_name, "neutral");
	assert_int_equal(l.v[0].line, 3);
	assert_int_equal(l.v[2].line, 8);
	assert_int_equal(l.duplicates, 1);
	assert_int_equal(l.rejected, 2);
	assert_string_equal(r.text.buf,
			    "list.txt:5: unsupported scheme 'ftp' (only http and https)\n"
			    "list.txt:7: contains a space\n");
	urllist_release(&l);
	strbuf_release(&r.text);
	free(path);
}

UNIT_TEST(test_folder_of_class_lists)
{
	struct url_list l = { 0 };
	struct strbuf root = STRBUF_INIT;

	strbuf_addf(&root, "%s/raw_data", fx_dir);
	mkdir(root.buf, 0755);
	strbuf_addstr(&root, "/porn");
	mkdir(root.buf, 0755);
	strbuf_setlen(&root, strlen(fx_dir) + 9);
	strbuf_addstr(&root, "/drawings");
	mkdir(root.buf, 0755);
	free(put("raw_data/porn/urls_porn.txt", "http://p.example/1\nhttp://shared.example/x\n"));
	free(put("raw_data/drawings/urls_drawings.txt", "http://d.example/1\nhttp://shared.example/x\n"));
	free(put("raw_data/drawings/notes.txt", "http://ignored.example/\n"));
	strbuf_setlen(&root, strlen(fx_dir) + 9);
	assert_int_equal(urllist_read(root.buf, NULL, &l, NULL, NULL, NULL), 0);
	/* drawings comes first in name order; the shared URL keeps that class */
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].class_name, "drawings");
	assert_string_equal(l.v[1].url, "http://shared.example/x");
	assert_string_equal(l.v[1].class_name, "drawings");
	assert_string_equal(l.v[2].class_name, "porn");
	assert_int_equal(l.duplicates, 1);
	urllist_release(&l);
	strbuf_release(&root);
}

UNIT_TEST(test_csv_and_tsv)
{
	char *csv = put("list.csv",
			"id,URL,label\r\n"
			"1,http://c.example/1.jpg,sexy\r\n"
			"2,\"http://c.example/2,with,commas.jpg\",\"neu\"\"tral\"\r\n"
			"\r\n"
			"3,gopher://c.example/3,porn\r\n"
			"4,http://c.example/4.jpg,\r\n");
	char *tsv = put("list.tsv", "class\turl\nhentai\thttp://t.example/1.jpg\n");
	struct url_list l = { 0 };
	struct rejects r = { STRBUF_INIT, 0 };

	assert_int_equal(urllist_read(csv, NULL, &l, note, &r, NULL), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].class_name, "sexy");
	assert_string_equal(l.v[1].url, "http://c.example/2,with,commas.jpg");
	assert_string_equal(l.v[1].class_name, "neu\"tral");
	assert_null(l.v[2].class_name);
	assert_string_equal(r.text.buf, "list.csv:5: unsupported scheme 'gopher' (only http and https)\n");
	assert_int_equal(urllist_read(tsv, NULL, &l, note, &r, NULL), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[3].class_name, "hentai");
	urllist_release(&l);
	strbuf_release(&r.text);
	free(csv);
	free(tsv);
}

UNIT_TEST(test_errors)
{
	char *empty = put("empty.txt", "# only a comment\n\n");
	char *nourl = put("nourl.csv", "link,class\nhttp://x.example/,a\n");
	struct url_list l = { 0 };
	struct wn_err err;
	struct strbuf p = STRBUF_INIT;

	assert_int_equal(urllist_read("/nonexistent/urls.txt", NULL, &l, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/urls.txt: "));
	assert_int_equal(urllist_read(empty, NULL, &l, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "no URLs in this list"));
	assert_int_equal(urllist_read(nourl, NULL, &l, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "no 'url' column"));
	strbuf_addf(&p, "%s/nolists", fx_dir);
	mkdir(p.buf, 0755);
	assert_int_equal(urllist_read(p.buf, NULL, &l, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "no urls_<class>.txt lists"));
	assert_int_equal(l.n, 0);
	strbuf_release(&p);
	free(empty);
	free(nourl);
}

UNIT_GROUP(fx_dir_setup, fx_dir_teardown)
