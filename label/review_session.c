/* label review's session: its classes, and loading and releasing it all
 * (the queues, review_queues.c, the classes). */
#include <stdlib.h>
#include <string.h>

#include "review.h"

int review_is_class(const struct session *s, const char *c)
{
	for (int i = 0; c && i < s->nclasses; i++)
		if (!strcmp(s->classes[i], c))
			return 1;
	return 0;
}

static int add_class(const char *name, void *data)
{
	struct session *s = data;
	char **g;

	if (!name || review_is_class(s, name))
		return 0;
	g = realloc(s->classes, (size_t)(s->nclasses + 1) * sizeof(*g));
	if (!g)
		return -1;
	s->classes = g;
	s->classes[s->nclasses] = strdup(name);
	return s->classes[s->nclasses++] ? 0 : -1;
}

static int cmp_cls(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void review_session_release(struct session *s)
{
	review_queues_release(s);
	for (size_t i = 0; i < s->nthumbs; i++)
		free(s->thumbs[i].data);
	free(s->thumbs);
	for (int i = 0; i < s->nclasses; i++)
		free(s->classes[i]);
	free(s->classes);
	cam_view_free(s->cam);
}

int review_session_load(struct session *s, const struct suspects_opts *o, struct wn_err *err)
{
	const char *prefix = s->prefix.len ? s->prefix.buf : NULL;

	if (review_queues_build(s, prefix, o, err) ||
	    images_classes(s->cat, prefix, add_class, s, err))
		return -1;
	if (s->nclasses)
		qsort(s->classes, (size_t)s->nclasses, sizeof(char *), cmp_cls);
	return 0;
}
