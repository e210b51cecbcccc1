/* A test web server on 127.0.0.1 (libmicrohttpd): generated images and the
 * faults a scraper meets, on demand, by path. Written in C so that it is
 * not what a benchmark measures.
 *
 *   httpd [--port N] [--latency-ms N] [--images N] [--log FILE]
 *
 * Prints "port N" once listening (N chosen by the system with --port 0,
 * the default) and serves until SIGTERM or SIGINT. Paths:
 *   /img/N.jpg, /img/N.png   picture N (each N different), 200
 *   /status/CODE             that status, a short text body
 *   /retry/K/ID              429 with Retry-After: 1 for the first K hits of
 *                            ID, then picture ID
 *   /flaky/K/ID              503 for the first K hits of ID, then picture ID
 *   /truncated.jpg           announces the whole picture, sends half, closes
 *   /html.jpg                an HTML page sent as image/jpeg
 *   /empty.jpg               200 with no body
 *   /tiny.jpg                a valid 8x8 JPEG (a placeholder)
 *   /noai.jpg                a picture with X-Robots-Tag: noai
 *   /drip.jpg                a picture sent one byte every 200 ms
 *   /huge.jpg                Content-Length 100 MB, bytes until the client quits
 *   /reset                   the connection closed without an answer
 *   /redirect/ok             302 to /img/1.jpg
 *   /redirect/file           302 to file:///etc/passwd
 *   /redirect/ftp            302 to ftp://127.0.0.1/x.jpg
 *   /redirect/loop           302 to itself
 *   /redirect/other          302 to the same server as 127.0.0.2
 *   /redirect/chain/N        N redirects, then /img/N.jpg
 *   /wait/S                  429 with Retry-After: S, always
 *   /wait-date/S             the same as an HTTP date, S seconds from now
 * --latency-ms adds that delay before every answer; --log FILE appends
 * each request's path to FILE, one a line.
 *
 * One thread per connection: every piece of state shared between them is
 * behind `lock` or atomic (the log is a stdio stream, which locks itself),
 * and a picture, once made, stays where it is until exit (a connection
 * streams from it without the lock). */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "tests/fixtures.h"

static int latency_ms;
static FILE *request_log;
static atomic_uint port;  /* known only once the first daemon listens */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Pictures are made on first request and kept until exit. The table holds
 * pointers, so growing it never moves a picture a connection is sending;
 * a buffer, once set, never changes. */
struct picture {
	struct fx_buf jpeg, png;
};
static struct picture **pics;
static size_t npics;

/* Hits per ID for /retry and /flaky. */
static unsigned hits[4096];

/* Picture n as JPEG or PNG: the bytes stay valid until exit. */
static struct fx_buf picture(unsigned long n, int png)
{
	struct picture *p;
	struct fx_buf b;

	pthread_mutex_lock(&lock);
	if (n >= npics) {
		size_t grow = n + 1 > 2 * npics ? n + 1 : 2 * npics;
		struct picture **v = realloc(pics, grow * sizeof(*v));

		if (!v)
			abort();
		memset(v + npics, 0, (grow - npics) * sizeof(*v));
		pics = v;
		npics = grow;
	}
	if (!pics[n] && !(pics[n] = calloc(1, sizeof(**pics))))
		abort();
	p = pics[n];
	if (!p->jpeg.data || (png && !p->png.data)) {
		/* Sizes vary from 320x240 to 960x720, content by the seed; the
		 * PNG is made only when asked for. */
		int w = 320 + (int)(n % 5) * 160, h = w * 3 / 4;
		struct img im = fx_pattern(w, h, 3, 1000 + n);

		if (!p->jpeg.data)
			p->jpeg = fx_jpeg(&im, 88, 0);
		if (png)
			p->png = fx_png(&im, 8, 0);
		img_release(&im);
	}
	b = png ? p->png : p->jpeg;
	pthread_mutex_unlock(&lock);
	return b;
}

/* The 8x8 placeholder, made once and kept. */
static struct fx_buf tiny(void)
{
	static struct fx_buf made;
	struct fx_buf b;

	pthread_mutex_lock(&lock);
	if (!made.data) {
		struct img im = fx_pattern(8, 8, 3, 3);

		made = fx_jpeg(&im, 90, 0);
		img_release(&im);
	}
	b = made;
	pthread_mutex_unlock(&lock);
	return b;
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const void *data,
				size_t len, const char *type, const char *header, const char *value)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", type);
	if (header)
		MHD_add_response_header(r, header, value);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result redirect(struct MHD_Connection *c, const char *to)
{
	return send_buf(c, 302, "", 0, "text/plain", "Location", to);
}

/* Streams through a callback: /truncated.jpg, /drip.jpg, /huge.jpg. */
struct stream {
	struct fx_buf body;         /* a picture's: not freed with the stream */
	uint64_t stop_at;   /* error out here (truncated) */
	int drip;
	int zeros;          /* /huge.jpg */
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;

	if (s->zeros) {
		memset(buf, 0, max > 65536 ? 65536 : max);
		return max > 65536 ? 65536 : (ssize_t)max;
	}
	if (pos >= s->stop_at)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (s->drip) {
		usleep(200 * 1000);
		max = 1;
	}
	if (max > s->stop_at - pos)
		max = s->stop_at - pos;
	memcpy(buf, s->body.data + pos, max);
	return (ssize_t)max;
}

static enum MHD_Result send_stream(struct MHD_Connection *c, uint64_t size, struct stream *s)
{
	struct MHD_Response *r = MHD_create_response_from_callback(size, 4096, stream_read, s, free);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", "image/jpeg");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_picture(struct MHD_Connection *c, unsigned long n, int png,
				    const char *header, const char *value)
{
	struct fx_buf b = picture(n, png);

	return send_buf(c, 200, b.data, b.len, png ? "image/png" : "image/jpeg", header, value);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	static int first;
	unsigned long a, b;
	char ext[8], to[128];

	(void)cls; (void)version; (void)upload; (void)upload_len;
	if (*state != &first) {  /* called first with the headers only */
		*state = &first;
		return MHD_YES;
	}
	if (request_log) {
		pthread_mutex_lock(&lock);
		fprintf(request_log, "%s\n", url);
		fflush(request_log);
		pthread_mutex_unlock(&lock);
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return send_buf(c, 405, "no\n", 3, "text/plain", NULL, NULL);
	if (latency_ms)
		usleep((useconds_t)latency_ms * 1000);
	if (sscanf(url, "/img/%lu.%3s", &a, ext) == 2)
		return send_picture(c, a, !strcmp(ext, "png"), NULL, NULL);
	if (sscanf(url, "/status/%lu", &a) == 1)
		return send_buf(c, (unsigned)a, "status\n", 7, "text/plain", NULL, NULL);
	if (sscanf(url, "/retry/%lu/%lu", &a, &b) == 2 || sscanf(url, "/flaky/%lu/%lu", &a, &b) == 2) {
		unsigned n;

		pthread_mutex_lock(&lock);
		n = hits[b % 4096]++;
		pthread_mutex_unlock(&lock);
		if (n < a)
			return url[1] == 'r'
				? send_buf(c, 429, "slow down\n", 10, "text/plain", "Retry-After", "1")
				: send_buf(c, 503, "busy\n", 5, "text/plain", NULL, NULL);
		return send_picture(c, b, 0, NULL, NULL);
	}
	if (sscanf(url, "/redirect/chain/%lu", &a) == 1) {
		if (a == 0)
			return send_picture(c, 0, 0, NULL, NULL);
		snprintf(to, sizeof(to), "/redirect/chain/%lu", a - 1);
		return redirect(c, to);
	}
	if (!strcmp(url, "/truncated.jpg") || !strcmp(url, "/drip.jpg")) {
		struct stream *s = calloc(1, sizeof(*s));

		if (!s)
			abort();
		s->body = picture(7, 0);
		s->drip = url[1] == 'd';
		s->stop_at = s->drip ? s->body.len : s->body.len / 2;
		return send_stream(c, s->body.len, s);
	}
	if (!strcmp(url, "/huge.jpg")) {
		struct stream *s = calloc(1, sizeof(*s));

		if (!s)
			abort();
		s->zeros = 1;
		return send_stream(c, 100u << 20, s);
	}
	if (!strcmp(url, "/html.jpg")) {
		static const char html[] = "<!DOCTYPE html><html><body>Not found</body></html>\n";

		return send_buf(c, 200, html, sizeof(html) - 1, "image/jpeg", NULL, NULL);
	}
	if (!strcmp(url, "/empty.jpg"))
		return send_buf(c, 200, "", 0, "image/jpeg", NULL, NULL);
	if (!strcmp(url, "/tiny.jpg")) {
		struct fx_buf t = tiny();

		return send_buf(c, 200, t.data, t.len, "image/jpeg", NULL, NULL);
	}
	if (!strcmp(url, "/noai.jpg"))
		return send_picture(c, 9, 0, "X-Robots-Tag", "noai, noimageai");
	if (!strcmp(url, "/reset"))
		return MHD_NO;  /* libmicrohttpd closes the connection */
	if (!strcmp(url, "/redirect/ok"))
		return redirect(c, "/img/1.jpg");
	if (!strcmp(url, "/redirect/file"))
		return redirect(c, "file:///etc/passwd");
	if (!strcmp(url, "/redirect/ftp"))
		return redirect(c, "ftp://127.0.0.1/x.jpg");
	if (!strcmp(url, "/redirect/loop"))
		return redirect(c, "/redirect/loop");
	if (!strcmp(url, "/redirect/other")) {
		snprintf(to, sizeof(to), "http://127.0.0.2:%u/img/2.jpg", atomic_load(&port));
		return redirect(c, to);
	}
	if (sscanf(url, "/wait/%lu", &a) == 1) {
		snprintf(to, sizeof(to), "%lu", a);
		return send_buf(c, 429, "slow down\n", 10, "text/plain", "Retry-After", to);
	}
	if (sscanf(url, "/wait-date/%lu", &a) == 1) {
		time_t when = time(NULL) + (time_t)a;
		struct tm tm;

		strftime(to, sizeof(to), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&when, &tm));
		return send_buf(c, 429, "slow down\n", 10, "text/plain", "Retry-After", to);
	}
	return send_buf(c, 404, "not found\n", 10, "text/plain", NULL, NULL);
}

static struct MHD_Daemon *start(const char *addr, unsigned p)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)p);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	return MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
				(uint16_t)p, NULL, NULL, answer, NULL,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)2048,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d, *d2;
	const union MHD_DaemonInfo *info;
	unsigned want = 0;
	sigset_t set;
	int images = 0, sig;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port"))
			want = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--latency-ms"))
			latency_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--images"))
			images = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--log") && !(request_log = fopen(argv[i + 1], "a"))) {
			perror(argv[i + 1]);
			return 1;
		}
	}
	for (int n = 0; n < images; n++)
		picture((unsigned long)n, 0);  /* made now, so serving is not timed */
	/* Blocked before any thread starts, so every thread inherits the mask
	 * and SIGTERM can only end the sigwait() below (a thread of the
	 * daemon taking it instead would leave the server running). */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* Loopback only: 127.0.0.1, and 127.0.0.2 on the same port as the
	 * "other host" of /redirect/other. */
	d = start("127.0.0.1", want);
	if (!d) {
		fprintf(stderr, "httpd: cannot listen on 127.0.0.1\n");
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	atomic_store(&port, info->port);
	d2 = start("127.0.0.2", info->port);
	printf("port %u\n", info->port);
	fflush(stdout);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	if (d2)
		MHD_stop_daemon(d2);
	return 0;
}
