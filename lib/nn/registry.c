/* The model registry: finding a model's files by name and loading them. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "nn/model.h"
#include "nn/prep.h"
#include "nn/registry.h"

static int has_model(const char *dir)
{
	struct strbuf p = STRBUF_INIT;
	struct stat st;
	int ok;

	strbuf_addf(&p, "%s/model.json", dir);
	ok = !stat(p.buf, &st) && S_ISREG(st.st_mode);
	strbuf_release(&p);
	return ok;
}

/* Whether the folder c holds has a model; if not, c is added to the list
 * of places tried and emptied for the next candidate. */
static int candidate(struct strbuf *c, struct strbuf *tried)
{
	if (has_model(c->buf))
		return 1;
	strbuf_addf(tried, "%s%s", tried->len ? ", " : "", c->buf);
	strbuf_reset(c);
	return 0;
}

int nn_find_model(const char *name, struct strbuf *out, struct wn_err *err)
{
	const char *env = getenv("WINNOW_MODELS");
	char exe[PATH_MAX];
	ssize_t n;
	struct strbuf c = STRBUF_INIT, tried = STRBUF_INIT;

	if (strchr(name, '/')) {
		if (has_model(name))
			return strbuf_addstr(out, name);
		return wn_fail(err, WN_EIO, "%s/model.json: %s; get the nsfwjs models with "
			       "'make model' in the winnow source tree", name, strerror(ENOENT));
	}
	if (env && *env) {
		strbuf_addf(&c, "%s/%s", env, name);
		if (candidate(&c, &tried))
			goto found;
	}
	/* beside the binary: bin/../models in the source tree, and
	 * PREFIX/bin/../share/winnow/models where `make install` puts them */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			strbuf_addf(&c, "%s/../models/%s", exe, name);
			if (candidate(&c, &tried))
				goto found;
			strbuf_addf(&c, "%s/../share/winnow/models/%s", exe, name);
			if (candidate(&c, &tried))
				goto found;
		}
	}
	strbuf_addf(&c, "/usr/share/winnow/models/%s", name);
	if (candidate(&c, &tried))
		goto found;
	wn_fail(err, WN_EIO, "model '%s' not found (looked in %s); get the nsfwjs models with "
		"'make model' in the winnow source tree, or give --model DIR", name, tried.buf);
	strbuf_release(&c);
	strbuf_release(&tried);
	return -1;
found:
	strbuf_release(&tried);
	n = strbuf_addstr(out, c.buf);
	strbuf_release(&c);
	return (int)n;
}

int nn_load_named(const char *name, struct nn_model **out, struct wn_err *err)
{
	struct strbuf dir = STRBUF_INIT;
	int ret;

	if (nn_find_model(name, &dir, err)) {
		strbuf_release(&dir);
		return -1;
	}
	ret = nn_model_load(dir.buf, out, err);
	if (ret && err->code != WN_ENOMEM) {
		struct wn_err why = *err;

		wn_fail(err, why.code, "%s; remake it with 'make model'", why.msg);
	}
	strbuf_release(&dir);
	return ret;
}

const char *nn_prep_name(enum nn_prep p)
{
	return p == NN_PREP_NSFWJS ? "nsfwjs" : "default";
}

const char *nn_model_key(const char *name)
{
	size_t n = strlen(name);
	const char *s;

	while (n > 1 && name[n - 1] == '/')
		n--;
	for (s = name + n; s > name && s[-1] != '/'; s--)
		;
	return s;
}
