/* The progress line, throttled to 10 redraws a second. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/progress.h"

struct progress {
	FILE *out;
	char label[32];
	_Atomic uint64_t total, done, errors, bytes;
	_Atomic int64_t next_draw_ns;
	int64_t start_ns;
	pthread_mutex_t draw;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

FILE *progress_stream_for(void)
{
	const char *term = getenv("TERM");

	if (!isatty(STDERR_FILENO) || (term && !strcmp(term, "dumb")))
		return NULL;
	return stderr;
}

struct progress *progress_start(FILE *out, const char *label, uint64_t total)
{
	struct progress *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->out = out;
	snprintf(p->label, sizeof(p->label), "%s", label);
	atomic_store(&p->total, total);
	p->start_ns = now_ns();
	atomic_store(&p->next_draw_ns, p->start_ns);
	pthread_mutex_init(&p->draw, NULL);
	return p;
}

void progress_set_total(struct progress *p, uint64_t total)
{
	if (p)
		atomic_store(&p->total, total);
}

static void format_duration(char *buf, size_t len, double s)
{
	long t = (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

void progress_add_bytes(struct progress *p, uint64_t bytes)
{
	if (p)
		atomic_fetch_add(&p->bytes, bytes);
}

void progress_format(struct progress *p, char *buf, size_t len)
{
	uint64_t done = atomic_load(&p->done), total = atomic_load(&p->total);
	uint64_t errors = atomic_load(&p->errors), bytes = atomic_load(&p->bytes);
	double secs = (double)(now_ns() - p->start_ns) / 1e9;
	double rate = secs > 0 ? (double)done / secs : 0;
	char eta[40] = "", errs[48] = "";

	if (bytes && secs > 0)
		snprintf(errs, sizeof(errs), "  %.1f MB/s", (double)bytes / 1e6 / secs);
	if (errors)
		snprintf(errs + strlen(errs), sizeof(errs) - strlen(errs), "  %llu error%s",
			 (unsigned long long)errors, errors == 1 ? "" : "s");
	if (total) {
		if (rate > 0 && done < total) {
			char left[24];

			format_duration(left, sizeof(left), (double)(total - done) / rate);
			snprintf(eta, sizeof(eta), "  ETA %s", left);
		}
		snprintf(buf, len, "%s %llu/%llu %3d%%  %.0f/s%s%s", p->label,
			     (unsigned long long)done, (unsigned long long)total,
			     (int)(100.0 * (double)done / (double)total), rate, eta, errs);
	} else {
		snprintf(buf, len, "%s %llu  %.0f/s%s", p->label,
			     (unsigned long long)done, rate, errs);
	}
}

static void draw(struct progress *p, int final)
{
	char line[160];

	if (!p->out)
		return;
	progress_format(p, line, sizeof(line));
	/* \r and clear-to-end-of-line, so a shorter line leaves no tail. */
	fprintf(p->out, "\r%s\033[K%s", line, final ? "\n" : "");
	fflush(p->out);
}

void progress_add(struct progress *p, uint64_t done, uint64_t errors)
{
	int64_t now, next;

	if (!p)
		return;
	atomic_fetch_add(&p->done, done);
	if (errors)
		atomic_fetch_add(&p->errors, errors);
	if (!p->out)
		return;
	now = now_ns();
	next = atomic_load(&p->next_draw_ns);
	if (now < next || !atomic_compare_exchange_strong(&p->next_draw_ns, &next,
							  now + 100000000))
		return;
	/* One thread won this 100 ms slot; the lock only orders its writes
	 * against the final draw. */
	pthread_mutex_lock(&p->draw);
	draw(p, 0);
	pthread_mutex_unlock(&p->draw);
}

void progress_finish(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->draw);
	draw(p, 1);
	pthread_mutex_unlock(&p->draw);
	pthread_mutex_destroy(&p->draw);
	free(p);
}
