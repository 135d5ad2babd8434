/*
 * ws_deflate: permessage-deflate (RFC 7692) for the websocket layer: what
 * the server's Sec-WebSocket-Extensions agreed to, and one direction's
 * inflater.
 *
 * A compressed message is raw DEFLATE whose sender took off the final
 * 00 00 ff ff of its flush (RFC 7692 §7.2.1); the reader puts it back at
 * the message's end (§7.2.2). With context takeover (the default) a
 * direction's messages share one sliding window, so every message must be
 * inflated, even one that is not kept; "no_context_takeover" for the
 * direction starts each message afresh.
 *
 * Bounds: output goes to the caller chunk by chunk (the caller caps what it
 * keeps); what is inflated only to keep a shared window up to date is
 * thrown away, and past WS_INFLATE_DISCARD_MAX bytes for one message the
 * window is given up: a deflate bomb costs bounded memory and bounded time.
 */
#ifndef XMPPFLOW_WS_DEFLATE_H
#define XMPPFLOW_WS_DEFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes one message may inflate to only to be thrown away (shared window) before it is given up. */
#define WS_INFLATE_DISCARD_MAX (16u << 20)

struct ws_deflate_params {
    bool on;             /* permessage-deflate agreed */
    bool no_takeover[2]; /* [0] client_no_context_takeover, [1] server_no_context_takeover */
    bool other;          /* another extension agreed too (its RSV bits are not known here) */
};

/* Reads the server's Sec-WebSocket-Extensions value (NULL: none) into |out|. */
void ws_deflate_negotiated(const char *extensions, struct ws_deflate_params *out);

struct ws_inflate;
struct ws_inflate *ws_inflate_new(bool no_takeover);
/* NULL is fine. */
void ws_inflate_free(struct ws_inflate *z);

typedef void ws_inflate_out(void *arg, const uint8_t *p, size_t n);
/*
 * Inflates |n| bytes of the current message (p NULL, n 0: its end, the
 * 00 00 ff ff trailer), handing the output to |out| while |*dropped| is
 * false, else throwing it away. Returns NULL, or why the message cannot be
 * read (said once per message).
 */
const char *ws_inflate_feed(struct ws_inflate *z, const uint8_t *p, size_t n, const bool *dropped,
                            ws_inflate_out *out, void *arg);
/* The message ended: without context takeover the next one starts afresh. */
void ws_inflate_message_end(struct ws_inflate *z);
/* Bytes of the message were lost (a capture gap): with context takeover the window is gone. */
void ws_inflate_lose(struct ws_inflate *z);

#endif
