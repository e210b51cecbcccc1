/* label review's responses: every one with headers that keep the page
 * and its data to this origin (no sniffing, no referrer, no framing, a
 * content security policy allowing nothing from elsewhere). */
#include <string.h>

#include "review.h"

enum MHD_Result review_reply(struct MHD_Connection *c, unsigned status, const char *type,
			     void *data, size_t len, int owned, const char *cache)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, data, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", cache ? cache : "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
				"script-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result review_send_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (!text)
		return MHD_NO;
	return review_reply(c, status, "application/json", text, strlen(text), 1, NULL);
}

enum MHD_Result review_send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return review_send_json(c, status, json_pack("{s:s}", "error", msg));
}
