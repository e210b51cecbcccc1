/* --html: a contact sheet of the near groups, one self-contained file
 * (thumbnails inlined as base64 JPEG), to look at before deleting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "img/img.h"
#include "internal.h"

#define SIDE 160

/* The image of f, at most SIDE x SIDE, as an inline JPEG; a grey box with
 * the reason when it cannot be read any more. */
static void add_thumbnail(struct strbuf *out, const struct dupes_file *f)
{
	struct wn_err err;
	uint8_t *jpeg = NULL;
	size_t len;

	if (img_thumbnail_file(f->item.disk_path, NULL, SIDE, 80, &jpeg, &len, &err)) {
		strbuf_addstr(out, "<div class=missing>");
		strbuf_add_html(out, wn_err_cause(&err, f->item.disk_path));
		strbuf_addstr(out, "</div>");
		return;
	}
	strbuf_addstr(out, "<img alt=\"\" src=\"data:image/jpeg;base64,");
	strbuf_add_base64(out, jpeg, len);
	strbuf_addstr(out, "\">");
	free(jpeg);
}

int dupes_html(const struct dupes *d, const char *path, struct wn_err *err)
{
	struct strbuf out = STRBUF_INIT;
	size_t shown = 0;
	int ret;

	strbuf_addstr(&out,
		"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
		"<title>winnow dedup: visual copies</title>\n<style>\n"
		"body{font:14px system-ui,sans-serif;margin:1.5em;background:#fafafa;color:#222}\n"
		"h2{font-size:15px;margin:1.6em 0 .4em}.conflict{color:#b00}\n"
		".row{display:flex;flex-wrap:wrap;gap:12px}\n"
		"figure{margin:0;width:170px;padding:4px;border:3px solid #ddd;background:#fff}\n"
		"figure.keep{border-color:#2a7}figure img{display:block;margin:auto;max-width:160px}\n"
		"figcaption{font-size:11px;word-break:break-all;margin-top:4px}\n"
		".missing{height:100px;background:#eee;font-size:11px;padding:4px}\n"
		"</style></head><body>\n<h1>Near, mirrored and rotated copies</h1>\n"
		"<p>Green: the copy that is kept. Each other image, shown as found, matched the "
		"kept one (mirrored or rotated when it says so).</p>\n");
	for (size_t g = 0; g < d->ngroups; g++) {
		const struct dupes_group *grp = &d->groups[g];

		if (grp->match == DUPES_EXACT)
			continue;
		shown++;
		strbuf_addf(&out, "<h2>Group %zu%s</h2>\n<div class=row>\n", g + 1,
			    grp->conflict ? " <span class=conflict>(classes differ)</span>" : "");
		for (size_t i = 0; i < grp->n; i++) {
			const struct dupes_file *f = &d->f[grp->members[i]];
			static const char *const names[] = { "", "keep", "delete", "move", "report" };

			strbuf_addf(&out, "<figure%s>", i == 0 ? " class=keep" : "");
			add_thumbnail(&out, f);
			strbuf_addf(&out, "<figcaption><b>%s</b> ", names[f->action]);
			if (i && f->match != DUPES_NEAR)
				strbuf_addf(&out, "%s ", f->match == DUPES_MIRROR ? "mirrored"
					    : f->match == DUPES_CROP ? "cropped" : "rotated");
			if (i)
				strbuf_addf(&out, "distance %d ", f->distance);
			strbuf_add_html(&out, f->item.disk_path);
			strbuf_addstr(&out, "</figcaption></figure>\n");
		}
		strbuf_addstr(&out, "</div>\n");
	}
	if (!shown)
		strbuf_addstr(&out, "<p>No near, mirrored or rotated copies.</p>\n");
	strbuf_addstr(&out, "</body></html>\n");
	ret = write_file_atomic(path, out.buf, out.len, 0, err);
	strbuf_release(&out);
	return ret;
}
